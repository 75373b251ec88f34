import type { FlowDetailValue } from './flow-state.js';

/** Characters of one text kept in a timeline entry; the rest is replaced by an ellipsis. */
export const DETAIL_TEXT_LIMIT = 200;
/** Variables listed in one entry's details at most; a count of the others follows. */
export const DETAIL_VARIABLES_LIMIT = 10;

function shortText(value: string): string {
  return value.length > DETAIL_TEXT_LIMIT ? `${value.slice(0, DETAIL_TEXT_LIMIT)}…` : value;
}

/**
 * An entry's details as the timeline keeps them: texts cut to 200 characters and at most ten
 * variables named (then `…: "N more"`). The flow itself still holds every value in full. A
 * timeline is kept for every step a call takes (up to 1,000) and answered whole by simulate
 * and `GET /v1/calls/{id}/events`: with whole values, a 3 KB flow that set fifty variables of
 * 1,000 characters in a loop answered 25 MB, and fifty such simulations at once held the
 * process for ten seconds.
 */
export function timelineDetails(
  details: Record<string, FlowDetailValue>,
): Record<string, FlowDetailValue> {
  const kept: Record<string, FlowDetailValue> = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string') kept[key] = shortText(value);
    else if (typeof value !== 'object') kept[key] = value;
    else {
      const entries = Object.entries(value);
      const listed: Record<string, string> = {};
      for (const [name, text] of entries.slice(0, DETAIL_VARIABLES_LIMIT)) {
        listed[name] = shortText(text);
      }
      if (entries.length > DETAIL_VARIABLES_LIMIT) {
        listed['…'] = `${entries.length - DETAIL_VARIABLES_LIMIT} more`;
      }
      kept[key] = listed;
    }
  }
  return kept;
}
