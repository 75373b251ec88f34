import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { createTestProject, startApp, type TestApp, type TestProject } from '../support/harness.js';

/**
 * JSON bodies in the forms clients send them (plain, with a charset, upper case, a byte order
 * mark, gzip, chunked, `+json`) all reach the handler as the same body; malformed JSON is a 400.
 */
describe('JSON request bodies', () => {
  let app: TestApp;
  let project: TestProject;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
    project = await createTestProject(app);
  });
  after(() => app.stop());

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
    const res = await patchProject({ 'content-type': 'application/json', ...sized(body) }, [body]);
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

  it('answers 400 malformed_json to invalid JSON of a known length', async () => {
    const body = Buffer.from('{"name": "unterminated');
    const res = await patchProject({ 'content-type': 'application/json', ...sized(body) }, [body]);
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('malformed_json');
  });
});
