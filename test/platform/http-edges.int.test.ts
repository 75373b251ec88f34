import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { createTestProject, startApp, type TestApp, type TestProject } from '../support/harness.js';
import { call } from '../support/http.js';

describe('the HTTP edge', () => {
  let app: TestApp;
  let project: TestProject;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
    project = await createTestProject(app);
  });
  after(() => app.stop());

  const patch = (rawBody: string, contentType = 'application/json') =>
    call(app.url, 'PATCH', '/v1/project', {
      key: project.apiKey,
      rawBody,
      headers: { 'content-type': contentType },
    });

  /** Writes `raw` on a new connection and resolves with all the server answers. */
  function rawExchange(raw: string): Promise<string> {
    const { port } = new URL(app.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(raw));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(5000, () => {
        socket.destroy();
        resolve(text);
      });
    });
  }

  function problemIn(answer: string): {
    status: number;
    type: string;
    body: Record<string, unknown>;
  } {
    const [head, body] = answer.split('\r\n\r\n');
    const status = Number(head.split(' ')[1]);
    const type = /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
    return { status, type, body: JSON.parse(body) as Record<string, unknown> };
  }

  it("answers as problem+json what Node's HTTP parser refuses", async () => {
    const huge = await rawExchange(
      `GET /v1/numbers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(problemIn(huge)).to.deep.include({
      status: 431,
      type: 'application/problem+json; charset=utf-8',
    });
    expect(problemIn(huge).body).to.include({ code: 'headers_too_large' });
    const framing = await rawExchange(
      'POST /v1/project HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello',
    );
    expect(problemIn(framing).status).to.equal(400);
    expect(problemIn(framing).body).to.include({ code: 'malformed_request' });
    const expectation = await rawExchange(
      'GET /v1/numbers HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n',
    );
    expect(problemIn(expectation).status).to.equal(417);
    expect(problemIn(expectation).body).to.include({ code: 'expectation_failed' });
  });

  it('answers 400 out_of_range to a number too large for a double, wherever it is', async () => {
    const res = await patch('{"name":"n","attributes":{"big":-1e400}}');
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'out_of_range' });
    expect(res.body.errors).to.deep.equal([
      { path: '/attributes/big', message: 'is beyond ±1.8e308' },
    ]);
    // Also without an exponent: 400 digits.
    const long = await patch(`{"name":"n","attributes":{"big":${'9'.repeat(400)}}}`);
    expect(long.body).to.include({ code: 'out_of_range' });
  });

  it('answers a wrong method on a known path with 405 and Allow, and an unknown path with 404', async () => {
    const put = await call(app.url, 'PUT', '/v1/messages', { key: project.apiKey });
    expect(put.status).to.equal(405);
    expect(put.headers.get('allow')).to.equal('GET, HEAD, POST');
    expect(put.headers.get('content-type')).to.contain('application/problem+json');
    expect(put.body).to.include({ code: 'method_not_allowed' });
    const post = await call(app.url, 'POST', '/v1/numbers/num_01JAAAAAAAAAAAAAAAAAAAAAAA', {
      key: project.apiKey,
    });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('DELETE, GET, HEAD, PATCH');
    const nowhere = await call(app.url, 'PUT', '/v1/nothing-here', { key: project.apiKey });
    expect(nowhere.status).to.equal(404);
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await patch('{"name": ');
    expect(res.status).to.equal(400);
    expect(res.headers.get('content-type')).to.contain('application/problem+json');
    expect(res.body).to.include({ status: 400, code: 'malformed_json' });
  });

  it('answers 400 nul_character to a body string holding U+0000, pointing at the field', async () => {
    const res = await patch(JSON.stringify({ name: 'a\u0000b' }));
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'nul_character' });
    expect(res.body.errors).to.deep.equal([{ path: '/name', message: 'contains U+0000' }]);
    const after = await call(app.url, 'GET', '/v1/project', { key: project.apiKey });
    expect(after.body.name).to.not.contain('\u0000');
  });

  it('answers 400 invalid_unicode to a lone surrogate, where a message body would reach jsonb', async () => {
    const res = await call(app.url, 'POST', '/v1/messages', {
      key: project.apiKey,
      rawBody: '{"to":"+14155550100","from":"Trunkline","body":"half a \\ud83d pair"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'invalid_unicode' });
    expect(res.body.errors).to.deep.equal([{ path: '/body', message: 'holds a lone surrogate' }]);
    const pair = await patch('{"name":"a pair \\ud83d\\ude00 is fine"}');
    expect(pair.status).to.equal(200);
    expect(pair.body.name).to.equal('a pair \u{1F600} is fine');
  });

  it('answers 400 out_of_range to the year 0000, which the date format allows', async () => {
    const res = await call(app.url, 'GET', '/v1/usage?start=0000-01-01&end=0000-01-02', {
      key: project.apiKey,
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'out_of_range' });
  });

  it('takes a leap second in a date-time filter (RFC 3339 allows 23:59:60)', async () => {
    const res = await call(app.url, 'GET', '/v1/messages?created_after=2026-12-31T23:59:60Z', {
      key: project.apiKey,
    });
    expect(res.status).to.equal(200);
  });

  it('takes the zones +hh and +hhmm that the date-time check accepts, in every filter', async () => {
    for (const path of [
      '/v1/messages?created_after=2024-01-01T00:00:00%2B00',
      '/v1/messages?created_before=2016-12-31T23:59:60%2B0000',
      '/v1/search/messages?q=hi&created_before=2016-12-31T18:59:60-0500',
    ]) {
      const res = await call(app.url, 'GET', path, { key: project.apiKey });
      expect(res.status, path).to.equal(200);
    }
  });

  it('answers 400 too_deep to a body nested deeper than 64 levels, and takes 64', async () => {
    const nested = (depth: number) =>
      `{"name":"deep","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const deep = await patch(nested(100_000));
    expect(deep.status).to.equal(400);
    expect(deep.body).to.include({ code: 'too_deep' });
    // 64 levels pass the body check (and then meet the schema, which has no field "x").
    const fine = await patch(nested(64));
    expect(fine.status).to.equal(400);
    expect(fine.body).to.include({ code: 'invalid_request' });
    const quoted = await patch(JSON.stringify({ name: '['.repeat(80) }));
    expect(quoted.status).to.equal(200);
  });

  it('answers 400 nul_character to U+0000 in a path or query parameter', async () => {
    for (const path of ['/v1/messages/msg_%00', '/v1/messages?to=%00']) {
      const res = await call(app.url, 'GET', path, { key: project.apiKey });
      expect(res.status, path).to.equal(400);
      expect(res.body, path).to.include({ code: 'nul_character' });
    }
  });

  it('answers 400 to a numeric parameter spelled other than in decimal digits', async () => {
    for (const spelling of ['0x10', '1e1', '%2010', '10.0', 'Infinity']) {
      const res = await call(app.url, 'GET', `/v1/messages?limit=${spelling}`, {
        key: project.apiKey,
      });
      expect(res.status, spelling).to.equal(400);
      expect(res.body.errors, spelling).to.deep.equal([
        { path: '/query/limit', message: 'must be integer' },
      ]);
    }
    const plain = await call(app.url, 'GET', '/v1/messages?limit=010', { key: project.apiKey });
    expect(plain.status).to.equal(200);
    const path = await call(app.url, 'POST', '/v1/flows/flow_x/versions/0x1/activate', {
      key: project.apiKey,
    });
    expect(path.status).to.equal(400);
    expect(path.body.errors).to.deep.equal([
      { path: '/params/version', message: 'must be integer' },
    ]);
  });

  it('accepts the text \\u0000 written as an escaped backslash', async () => {
    const res = await patch(JSON.stringify({ name: 'literal \\u0000' }));
    expect(res.status).to.equal(200);
    expect(res.body.name).to.equal('literal \\u0000');
  });

  it('answers a body that is not JSON with 415', async () => {
    const res = await patch('name=x', 'application/x-www-form-urlencoded');
    expect(res.status).to.equal(415);
  });

  it('answers a body over 1 MB with 413', async () => {
    const res = await patch(JSON.stringify({ name: 'x'.repeat(1_100_000) }));
    expect(res.status).to.equal(413);
  });

  it('answers wrong types with 400 and the failing path', async () => {
    const res = await patch(JSON.stringify({ rate_limit_per_second: 'fast' }));
    expect(res.status).to.equal(400);
    expect(res.body.errors).to.deep.include({
      path: '/rate_limit_per_second',
      message: 'must be integer',
    });
  });

  it('answers a JSON array or scalar body with 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await patch(body);
      expect(res.status, body).to.equal(400);
    }
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const res = await call(app.url, 'GET', '/v1/nothing-here', { key: project.apiKey });
    expect(res.status).to.equal(404);
    expect(res.body.code).to.equal('not_found');
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const kept = await call(app.url, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).to.equal('abc-123');
    const made = await call(app.url, 'GET', '/healthz', {
      headers: { 'x-request-id': 'bad id\twith tab' },
    });
    expect(made.headers.get('x-request-id')).to.match(/^req_/);
  });

  it('reports health, readiness, metrics and docs, whose requests go to the serving host', async () => {
    expect((await call(app.url, 'GET', '/healthz')).body).to.deep.equal({ status: 'ok' });
    const ready = await call(app.url, 'GET', '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body.checks).to.include({ postgres: true, redis: true });
    const metrics = await call(app.url, 'GET', '/metrics');
    expect(metrics.text).to.contain('http_requests_total');
    expect(metrics.text).to.contain('http_request_duration_seconds');
    const docs = await call(app.url, 'GET', '/docs/');
    expect(docs.status).to.equal(200);
    expect(docs.text).to.contain('swagger');
    const contract = await call<{ servers: Array<{ url: string }> }>(
      app.url,
      'GET',
      '/openapi.json',
    );
    expect(contract.body.servers).to.deep.equal([{ url: '/' }]);
  });

  it('never answers 5xx to random JSON bodies and headers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.constantFrom(
          'PATCH /v1/project',
          'POST /admin/v1/projects',
          'POST /v1/project/webhook-secret/rotate',
        ),
        fc.option(fc.string({ maxLength: 300 })),
        async (body, route, idempotencyKey) => {
          const [method, path] = route.split(' ');
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (idempotencyKey !== null && /^[\x20-\x7e]*$/.test(idempotencyKey))
            headers['idempotency-key'] = idempotencyKey;
          const res = await call(app.url, method, path, {
            key: project.apiKey,
            rawBody: JSON.stringify(body),
            headers,
          });
          expect(res.status, `${route} ${JSON.stringify(body)}`).to.be.below(500);
        },
      ),
      { numRuns: 150 },
    );
  });

  /**
   * JSON bodies in the forms clients send them (plain, with a charset, upper case, a byte order
   * mark, gzip, chunked, `+json`) all reach the handler as the same body; malformed JSON is a 400.
   */
  describe('JSON request bodies', () => {
    /** PATCH /v1/project with exactly these headers and body parts (several parts: chunked). */
    function patchProject(
      headers: Record<string, string>,
      parts: Buffer[],
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      return new Promise((resolve, reject) => {
        const req = request(
          `${app.url}/v1/project`,
          { method: 'PATCH', headers: { authorization: `Bearer ${project.apiKey}`, ...headers } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        for (const part of parts) req.write(part);
        req.end();
      });
    }

    const json = (name: string) => Buffer.from(JSON.stringify({ name }));
    const sized = (body: Buffer) => ({ 'content-length': String(body.length) });

    it('reads a plain UTF-8 body, with or without a charset', async () => {
      for (const type of [
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
      ]) {
        const body = json(`plain ${type} é`);
        const res = await patchProject({ 'content-type': type, ...sized(body) }, [body]);
        expect(res.status, type).to.equal(200);
        expect(res.body.name, type).to.equal(`plain ${type} é`);
      }
    });

    it('drops a leading byte order mark, as body-parser does', async () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json('with bom')]);
      const res = await patchProject({ 'content-type': 'application/json', ...sized(body) }, [
        body,
      ]);
      expect(res.status).to.equal(200);
      expect(res.body.name).to.equal('with bom');
    });

    it('reads gzip-compressed, chunked and +json bodies through body-parser', async () => {
      const zipped = gzipSync(json('zipped'));
      const gz = await patchProject(
        { 'content-type': 'application/json', 'content-encoding': 'gzip', ...sized(zipped) },
        [zipped],
      );
      expect(gz.body.name).to.equal('zipped');
      const whole = json('in chunks');
      const chunked = await patchProject({ 'content-type': 'application/json' }, [
        whole.subarray(0, 5),
        whole.subarray(5),
      ]);
      expect(chunked.body.name).to.equal('in chunks');
      const vendor = json('vendor type');
      const plusJson = await patchProject(
        { 'content-type': 'application/vnd.trunkline+json', ...sized(vendor) },
        [vendor],
      );
      expect(plusJson.body.name).to.equal('vendor type');
    });

    it('refuses a body in UTF-16 with 415, which would slip past the checks on its bytes', async () => {
      for (const charset of ['utf-16le', 'utf-16', 'UTF-32']) {
        const body = Buffer.from('{"name":"lone \\ud800"}', 'utf16le');
        const res = await patchProject(
          { 'content-type': `application/json; charset=${charset}`, ...sized(body) },
          [body],
        );
        expect(res.status, charset).to.equal(415);
        expect(res.body.code, charset).to.equal('unsupported_media_type');
      }
      const ingress = await fetch(`${app.url}/v1/ingress/conn_x/dlr`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-16le' },
        body: Buffer.from('{"a":1}', 'utf16le'),
      });
      expect(ingress.status, 'a lean route').to.equal(415);
    });

    it('refuses bytes that are not UTF-8 with 415 instead of storing U+FFFD in their place', async () => {
      const body = Buffer.concat([
        Buffer.from('{"name":"caf'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const res = await patchProject({ 'content-type': 'application/json', ...sized(body) }, [
        body,
      ]);
      expect(res.status).to.equal(415);
      expect(res.body.code).to.equal('unsupported_media_type');
    });

    it('answers 400 malformed_json to invalid JSON of a known length', async () => {
      const body = Buffer.from('{"name": "unterminated');
      const res = await patchProject({ 'content-type': 'application/json', ...sized(body) }, [
        body,
      ]);
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('malformed_json');
    });
  });
});
