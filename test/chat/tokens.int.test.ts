import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { createTestProject } from '../support/harness.js';
import { call, clientFor } from '../support/http.js';
import { signedToken, startChatKit, type ChatKit } from './chat-kit.js';

describe('POST /v1/tokens and user-token authentication', () => {
  let kit: ChatKit;
  before(async () => {
    kit = await startChatKit();
  });
  after(async () => {
    await kit.app.stop();
  });

  it('mints an HS256 JWT with a kid, sub = identity and exp at most 24 h away', async () => {
    const res = await kit.operator<{ token: string; expires_at: string }>('POST', '/v1/tokens', {
      body: { identity: 'alice', ttl: 600 },
    });
    expect(res.status).to.equal(201);
    const decoded = jwt.decode(res.body.token, { complete: true })!;
    expect(decoded.header.alg).to.equal('HS256');
    expect(decoded.header.kid).to.match(/^key_/);
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload.sub).to.equal('alice');
    expect(payload.exp! - payload.iat!).to.equal(600);
  });

  it('refuses a ttl over 24 hours and an identity starting with "+" (400)', async () => {
    const long = await kit.operator('POST', '/v1/tokens', {
      body: { identity: 'alice', ttl: 86401 },
    });
    expect(long.status).to.equal(400);
    const phone = await kit.operator('POST', '/v1/tokens', { body: { identity: '+14155550100' } });
    expect(phone.status).to.equal(400);
  });

  it('refuses to mint a token for the operator author "system" (422 reserved_identity)', async () => {
    const res = await kit.operator('POST', '/v1/tokens', { body: { identity: 'system' } });
    expect(res.status).to.equal(422);
    expect(res.body).to.include({ code: 'reserved_identity' });
    expect(res.body.errors).to.deep.equal([{ path: '/identity', message: res.body.detail }]);
  });

  it('never lets a token for "system" edit or delete the operator\'s messages (401)', async () => {
    const conv = await kit.operator<{ id: string }>('POST', '/v1/conversations', {
      body: { type: 'group', name: 'announcements' },
    });
    const sent = await kit.operator<{ id: string; author: string }>(
      'POST',
      `/v1/conversations/${conv.body.id}/messages`,
      { body: { body: 'maintenance tonight' } },
    );
    expect(sent.body.author).to.equal('system');
    // A token signed for "system" with the project's own key, as one minted before the
    // identity was reserved would be.
    const token = await signedToken(kit, { sub: 'system', ttlSec: 600 });
    const path = `/v1/conversations/${conv.body.id}/messages/${sent.body.id}`;
    const system = clientFor(kit.app.url, token);
    expect((await system('PATCH', path, { body: { body: 'cancelled' } })).status).to.equal(401);
    expect((await system('DELETE', path)).status).to.equal(401);
  });

  it('refuses a valid user token where an API key is needed: 403 api_key_required', async () => {
    const alice = await kit.as('alice');
    const minting = await alice('POST', '/v1/tokens', { body: { identity: 'mallory' } });
    expect(minting.status).to.equal(403);
    expect(minting.body.code).to.equal('api_key_required');
    expect((await alice('GET', '/v1/messages')).status).to.equal(403);
  });

  it('accepts a valid user token on chat routes', async () => {
    const alice = await kit.as('alice');
    expect((await alice('GET', '/v1/conversations')).status).to.equal(200);
  });

  it('answers 401 for forged, expired, tampered and other-project tokens', async () => {
    const token = await kit.tokenFor('alice');
    const decoded = jwt.decode(token, { complete: true })!;
    const forged = jwt.sign(decoded.payload as object, 'not-the-secret', {
      algorithm: 'HS256',
      keyid: decoded.header.kid,
    });
    const none = jwt.sign({ ...(decoded.payload as object) }, '', {
      algorithm: 'none' as jwt.Algorithm,
    });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = [
      h,
      Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url'),
      s,
    ].join('.');
    const other = await createTestProject(kit.app, 'other');
    const otherToken = (
      await call<{ token: string }>(kit.app.url, 'POST', '/v1/tokens', {
        key: other.apiKey,
        body: { identity: 'alice' },
      })
    ).body.token;
    const otherClaims = jwt.decode(otherToken) as jwt.JwtPayload;
    const crossKid = jwt.sign(otherClaims, 'x', { algorithm: 'HS256', keyid: decoded.header.kid });
    for (const bad of [forged, none, tampered, crossKid, 'garbage', `${token}x`]) {
      const res = await call(kit.app.url, 'GET', '/v1/conversations', { key: bad });
      expect(res.status, bad).to.equal(401);
    }
    const created = await clientFor(kit.app.url, otherToken)<{ id: string }>(
      'POST',
      '/v1/conversations',
      {
        body: { type: 'group', name: 'theirs' },
      },
    );
    const mine = await kit.as('alice');
    expect((await mine('GET', `/v1/conversations/${created.body.id}`)).status).to.equal(404);
  });
});
