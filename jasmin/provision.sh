#!/usr/bin/env bash
# Provision Jasmin for Trunkline through jCli, Jasmin's telnet console (port 8990).
#
# What it sets up (see jasmin/README.md):
#   group  trunkline
#   user   trunkline            SMPP server account Trunkline binds with (bind_transceiver)
#   smppcc upstream             SMPP client connector to the carrier
#                               (skipped while UPSTREAM_HOST is empty)
#   MT     DefaultRoute -> smppc(upstream)
#   MO     DefaultRoute -> smpps(trunkline)
#   persist                     so the profile is reloaded when jasmind restarts
#
# It is safe to run again: existing objects are updated, routes are replaced in place
# (jCli replaces a route that has the same order), and the connector is only started
# when it is stopped.
#
# jCli is an interactive console (Twisted telnet + line editor), so the script holds one
# telnet session open with bash's /dev/tcp, sends one line at a time (CR LF, as Jasmin's
# own profile loader does) and waits for the prompt after each: "jcli : " at the top
# level, "> " inside an add/update session. It needs bash, nothing else; the compose
# file runs it in the jookies/jasmin image, which ships bash.
#
# Environment (defaults in brackets):
#   JCLI_HOST [jasmin]  JCLI_PORT [8990]  JCLI_USERNAME [jcliadmin]  JCLI_PASSWORD [jclipwd]
#   JCLI_WAIT [180]     seconds to wait for jCli to accept connections
#   JCLI_TIMEOUT [30]   seconds to wait for one answer from jCli
#   JCLI_SETTLE [15]    seconds to wait after jCli accepts connections, so jasmind has
#                       finished loading its persisted profile (a load replaces the runtime
#                       configuration, which would undo changes made before it)
#   TRUNKLINE_SMPP_USERNAME [trunkline]   TRUNKLINE_SMPP_PASSWORD (required, 1-8 chars)
#   TRUNKLINE_SMPP_GROUP [trunkline]      TRUNKLINE_SMPP_MAX_BINDINGS [none = unlimited]
#   TRUNKLINE_SMPP_THROUGHPUT [none = unlimited]   messages/s Jasmin accepts from Trunkline
#   UPSTREAM_HOST (empty = no carrier yet)  UPSTREAM_PORT [2775]
#   UPSTREAM_USERNAME  UPSTREAM_PASSWORD    UPSTREAM_CID [upstream]
#   UPSTREAM_BIND [transceiver]  UPSTREAM_THROUGHPUT [10]  UPSTREAM_SYSTEM_TYPE []
#   UPSTREAM_DLR_EXPIRY [86400]  UPSTREAM_SSL [] (yes/no, on Jasmin versions with that key)

set -euo pipefail
export LC_ALL=C

JCLI_HOST=${JCLI_HOST:-jasmin}
JCLI_PORT=${JCLI_PORT:-8990}
JCLI_USERNAME=${JCLI_USERNAME:-jcliadmin}
JCLI_PASSWORD=${JCLI_PASSWORD:-jclipwd}
JCLI_WAIT=${JCLI_WAIT:-180}
JCLI_TIMEOUT=${JCLI_TIMEOUT:-30}
JCLI_SETTLE=${JCLI_SETTLE:-15}

GROUP=${TRUNKLINE_SMPP_GROUP:-trunkline}
SMPP_USER=${TRUNKLINE_SMPP_USERNAME:-trunkline}
SMPP_PASSWORD=${TRUNKLINE_SMPP_PASSWORD:-}
SMPP_MAX_BINDINGS=${TRUNKLINE_SMPP_MAX_BINDINGS:-none}
SMPP_THROUGHPUT=${TRUNKLINE_SMPP_THROUGHPUT:-none}

UP_CID=${UPSTREAM_CID:-upstream}
UP_HOST=${UPSTREAM_HOST:-}
UP_PORT=${UPSTREAM_PORT:-2775}
UP_USER=${UPSTREAM_USERNAME:-}
UP_PASSWORD=${UPSTREAM_PASSWORD:-}
UP_BIND=${UPSTREAM_BIND:-transceiver}
UP_THROUGHPUT=${UPSTREAM_THROUGHPUT:-10}
UP_SYSTEM_TYPE=${UPSTREAM_SYSTEM_TYPE:-}
UP_DLR_EXPIRY=${UPSTREAM_DLR_EXPIRY:-86400}
UP_SSL=${UPSTREAM_SSL:-}

PROMPT_TOP='jcli : '
PROMPT_SESSION='> '
BUF=''
PROMPT=''

log() { printf 'jasmin-provision: %s\n' "$*" >&2; }

# Printable transcript of the last exchange, with every secret masked.
transcript() {
  local text=$BUF secret
  for secret in "$JCLI_PASSWORD" "$SMPP_PASSWORD" "$UP_PASSWORD"; do
    [ -n "$secret" ] && text=${text//"$secret"/***}
  done
  printf '%s\n' "$text" | tr -d '\r' | tr -cd '\11\12\40-\176' >&2
}

die() {
  log "ERROR: $*"
  if [ -n "$BUF" ]; then
    log 'last jCli output:'
    transcript
  fi
  exit 1
}

# SMPP 3.4 sizes system_id at 16 octets and password at 9, both NUL-terminated; Jasmin's
# PDU decoder enforces them (ESME_RINVSYSID / ESME_RINVPASWD) and its User object only
# accepts [A-Za-z0-9_-]{1,15} usernames and 1-8 character passwords.
check_credential() {
  local what=$1 user=$2 password=$3
  [[ $user =~ ^[A-Za-z0-9_-]{1,15}$ ]] ||
    die "$what username '$user' must be 1-15 characters of A-Z a-z 0-9 _ -"
  [ -n "$password" ] || die "$what password is empty"
  [ "${#password}" -le 8 ] || die "$what password is longer than 8 characters (SMPP 3.4 limit)"
  [[ $password =~ ^[!-~]+$ ]] || die "$what password must be printable ASCII without spaces"
}

validate_settings() {
  [ -n "$SMPP_PASSWORD" ] || die 'TRUNKLINE_SMPP_PASSWORD is required'
  check_credential 'Trunkline SMPP' "$SMPP_USER" "$SMPP_PASSWORD"
  # MO routes name the user in smpps(<username>), which jCli accepts for 3-25 characters.
  [ "${#SMPP_USER}" -ge 3 ] || die 'TRUNKLINE_SMPP_USERNAME must be at least 3 characters'
  [[ $GROUP =~ ^[A-Za-z0-9_-]{1,16}$ ]] || die "group '$GROUP' must be 1-16 of A-Z a-z 0-9 _ -"
  if [ -n "$UP_HOST" ]; then
    check_credential 'upstream' "$UP_USER" "$UP_PASSWORD"
    [[ $UP_CID =~ ^[A-Za-z0-9_-]{3,25}$ ]] || die "UPSTREAM_CID must be 3-25 of A-Z a-z 0-9 _ -"
    [[ $UP_PORT =~ ^[0-9]+$ ]] || die 'UPSTREAM_PORT must be a number'
    [[ $UP_THROUGHPUT =~ ^[0-9]+([.][0-9]+)?$ ]] || die 'UPSTREAM_THROUGHPUT must be a number'
    [[ $UP_DLR_EXPIRY =~ ^[0-9]+$ ]] || die 'UPSTREAM_DLR_EXPIRY must be a number of seconds'
    case $UP_BIND in
      transceiver | transmitter | receiver) ;;
      *) die 'UPSTREAM_BIND must be transceiver, transmitter or receiver' ;;
    esac
  fi
}

wait_for_jcli() {
  local deadline=$((SECONDS + JCLI_WAIT))
  until (exec 3<>"/dev/tcp/$JCLI_HOST/$JCLI_PORT") 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "jCli at $JCLI_HOST:$JCLI_PORT not reachable after ${JCLI_WAIT}s"
    sleep 2
  done
  sleep "$JCLI_SETTLE"
}

send() { printf '%s\r\n' "$1" >&3; }

# Reads from the session until BUF contains one of the arguments; returns 1 on timeout
# or when jCli closes the connection.
read_until_contains() {
  local deadline=$((SECONDS + JCLI_TIMEOUT)) ch needle
  while :; do
    for needle in "$@"; do
      [[ $BUF == *"$needle"* ]] && return 0
    done
    [ "$SECONDS" -lt "$deadline" ] || return 1
    IFS= read -r -N 1 -t 1 ch <&3 || { [ $? -gt 128 ] && continue; return 1; }
    BUF+=$ch
  done
}

# Reads until a prompt ends the output; sets PROMPT to "top" or "session". Prompts are
# always written on a fresh line, which keeps them apart from text such as "a > b".
read_until_prompt() {
  local deadline=$((SECONDS + JCLI_TIMEOUT)) ch
  while :; do
    case $BUF in
      *$'\n'"$PROMPT_TOP") PROMPT=top && return 0 ;;
      *$'\n'"$PROMPT_SESSION") PROMPT=session && return 0 ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || return 1
    IFS= read -r -N 1 -t 1 ch <&3 || { [ $? -gt 128 ] && continue; return 1; }
    BUF+=$ch
  done
}

jcli_login() {
  exec 3<>"/dev/tcp/$JCLI_HOST/$JCLI_PORT" || die "cannot connect to $JCLI_HOST:$JCLI_PORT"
  BUF=''
  read_until_contains 'Username:' || die 'no jCli username prompt'
  send "$JCLI_USERNAME"
  read_until_contains 'Password:' || die 'no jCli password prompt'
  BUF=''
  send "$JCLI_PASSWORD"
  read_until_contains $'\n'"$PROMPT_TOP" 'Incorrect Username/Password' ||
    die 'no answer to the jCli login'
  [[ $BUF != *'Incorrect Username/Password'* ]] ||
    die 'jCli rejected the login (check JCLI_USERNAME / JCLI_PASSWORD)'
}

# Runs one top-level command; its output stays in BUF.
jcli_cmd() {
  BUF=''
  send "$1"
  read_until_prompt || die "no answer to '$1'"
}

# What jCli answered to the line just sent: BUF without the echo of that line.
reply() { printf '%s' "${BUF#*$'\n'}"; }

# Texts jCli answers with when it refuses a key or an object.
is_refusal() {
  [[ $1 =~ Error|Unknown|Invalid|Incorrect|must|Failed|reserved|not\ a\ valid|Nothing\ to\ save ]]
}

# jcli_session OPENER LINE... : runs an add/update session and saves it with "ok".
# Any refused line aborts the session with "ko" and stops the script.
jcli_session() {
  local opener=$1 line
  shift
  jcli_cmd "$opener"
  [ "$PROMPT" = session ] || die "'$opener' did not open a session"
  for line in "$@"; do
    BUF=''
    send "$line"
    read_until_prompt || die "no answer to '${line%% *} ...'"
    if is_refusal "$(reply)"; then
      local refused=$BUF
      send 'ko'
      BUF=$refused
      die "jCli refused '${line%% *} ...' in '$opener'"
    fi
  done
  BUF=''
  send 'ok'
  read_until_prompt || die "no answer to 'ok' in '$opener'"
  if [ "$PROMPT" != top ] || [[ $(reply) != *Successfully* ]]; then
    local refused=$BUF
    send 'ko'
    BUF=$refused
    die "jCli did not save '$opener'"
  fi
  if [[ $(reply) == *'Permanently failed'* ]]; then
    log "WARNING: jCli saved '$opener' but could not restart the connector:"
    transcript
  fi
}

# True when a "-l" listing in BUF has a row whose first column is $1.
listed() {
  local row
  while IFS= read -r row; do
    row=${row%$'\r'}
    [[ $row == "#$1" || $row == "#$1 "* || $row == "#!$1" || $row == "#!$1 "* ]] && return 0
  done <<<"$BUF"
  return 1
}

connector_started() {
  local row
  while IFS= read -r row; do
    [[ $row =~ ^#$1[[:space:]]+started ]] && return 0
  done <<<"$BUF"
  return 1
}

provision_group() {
  jcli_cmd 'group -l'
  if listed "$GROUP"; then
    log "group $GROUP exists"
  else
    jcli_session 'group -a' "gid $GROUP"
    log "group $GROUP added"
  fi
}

# Credentials shared by add and update: Trunkline may bind several sessions (one per
# worker), send at its own pace and set the fields it needs on submit_sm; it never uses
# Jasmin's HTTP API, so that is switched off.
user_credentials() {
  printf '%s\n' \
    "password $SMPP_PASSWORD" \
    "gid $GROUP" \
    'mt_messaging_cred authorization smpps_send yes' \
    'mt_messaging_cred authorization http_send no' \
    'mt_messaging_cred authorization src_addr yes' \
    'mt_messaging_cred authorization dlr_level yes' \
    'mt_messaging_cred authorization priority yes' \
    'mt_messaging_cred authorization validity_period yes' \
    'mt_messaging_cred valuefilter src_addr .*' \
    'mt_messaging_cred valuefilter dst_addr .*' \
    'mt_messaging_cred valuefilter content .*' \
    "mt_messaging_cred quota smpps_throughput $SMPP_THROUGHPUT" \
    'mt_messaging_cred quota balance none' \
    'mt_messaging_cred quota sms_count none' \
    'smpps_cred authorization bind yes' \
    "smpps_cred quota max_bindings $SMPP_MAX_BINDINGS"
}

provision_user() {
  local -a lines
  mapfile -t lines < <(user_credentials)
  jcli_cmd 'user -l'
  if listed "$SMPP_USER"; then
    jcli_session "user -u $SMPP_USER" "${lines[@]}"
    log "user $SMPP_USER updated"
  else
    jcli_session 'user -a' "uid $SMPP_USER" "username $SMPP_USER" "${lines[@]}"
    log "user $SMPP_USER added"
  fi
}

connector_settings() {
  printf '%s\n' \
    "host $UP_HOST" \
    "port $UP_PORT" \
    "username $UP_USER" \
    "password $UP_PASSWORD" \
    "bind $UP_BIND" \
    "submit_throughput $UP_THROUGHPUT" \
    "dlr_expiry $UP_DLR_EXPIRY" \
    'con_loss_retry yes' \
    'con_fail_retry yes'
  [ -z "$UP_SYSTEM_TYPE" ] || printf '%s\n' "systype $UP_SYSTEM_TYPE"
  [ -z "$UP_SSL" ] || printf '%s\n' "ssl $UP_SSL"
}

provision_upstream() {
  local -a lines
  mapfile -t lines < <(connector_settings)
  jcli_cmd 'smppccm -l'
  if listed "$UP_CID"; then
    # jCli restarts a started connector by itself when host, port or credentials change.
    jcli_session "smppccm -u $UP_CID" "${lines[@]}"
    log "connector $UP_CID updated"
  else
    jcli_session 'smppccm -a' "cid $UP_CID" "${lines[@]}"
    log "connector $UP_CID added"
  fi
  jcli_cmd 'smppccm -l'
  if connector_started "$UP_CID"; then
    log "connector $UP_CID already started"
  else
    jcli_cmd "smppccm -1 $UP_CID"
    [[ $(reply) == *Successfully* ]] || die "could not start connector $UP_CID"
    log "connector $UP_CID started"
  fi
  jcli_session 'mtrouter -a' 'type DefaultRoute' "connector smppc($UP_CID)" 'rate 0.00'
  log "MT DefaultRoute -> smppc($UP_CID)"
}

provision_mo_route() {
  jcli_session 'morouter -a' 'type DefaultRoute' "connector smpps($SMPP_USER)"
  log "MO DefaultRoute -> smpps($SMPP_USER)"
}

# Reads the objects back, in case a profile load raced with this session.
verify() {
  jcli_cmd 'user -l'
  listed "$SMPP_USER" || die "user $SMPP_USER is missing after provisioning"
  jcli_cmd 'morouter -l'
  [[ $BUF == *"smpps($SMPP_USER)"* ]] || die 'MO DefaultRoute is missing after provisioning'
  if [ -n "$UP_HOST" ]; then
    jcli_cmd 'mtrouter -l'
    [[ $BUF == *"smppc($UP_CID)"* ]] || die 'MT DefaultRoute is missing after provisioning'
  fi
}

persist() {
  jcli_cmd 'persist'
  [[ $(reply) != *Failed* ]] || die 'jCli could not persist the configuration'
  log 'configuration persisted (profile jcli-prod)'
}

main() {
  validate_settings
  log "waiting for jCli at $JCLI_HOST:$JCLI_PORT"
  wait_for_jcli
  jcli_login
  provision_group
  provision_user
  if [ -n "$UP_HOST" ]; then
    provision_upstream
  else
    log 'WARNING: UPSTREAM_HOST is empty: no carrier connector and no MT route.'
    log 'WARNING: Jasmin answers every submit_sm with an error until UPSTREAM_* is set and this runs again.'
  fi
  provision_mo_route
  verify
  persist
  send 'quit'
  exec 3>&-
  log 'done'
}

main "$@"
