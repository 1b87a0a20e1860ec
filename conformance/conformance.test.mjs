// Conformance: the official @wix/sdk OAuthStrategy, and two generated
// modules, run against wixtest through every flow the SDK offers. If the
// fake drifted from Wix's protocol, the SDK itself would fail here, so the
// Go tests that trust wixtest can keep trusting it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createClient, OAuthStrategy } from '@wix/sdk';
import { members } from '@wix/members';
import { currentCart } from '@wix/ecom';
import { redirects } from '@wix/redirects'; // the SDK's own dependency, pinned by the lock file
import { AppStrategy } from '@wix/sdk';
import { startFake, browse } from './fake.mjs';
import { installDOM } from './dom.mjs';

const CLIENT_ID = 'wixtest-client-id'; // wixtest.DefaultClientID
const API_KEY = 'wixtest-api-key'; // wixtest.DefaultAPIKey
const DEMO = { email: 'demo@example.com', password: 'wix-demo-password', nickname: 'Demo Member' };
const REDIRECT_URI = 'http://localhost:3000/callback';
const STORES_APP_ID = '215238eb-22a5-4c36-9e7b-e7c08025e04e';

let fake;
before(async () => {
  fake = await startFake({ redirectURIs: [REDIRECT_URI] });
});
after(async () => {
  await fake?.stop();
});

const newClient = (tokens) =>
  createClient({ auth: OAuthStrategy({ clientId: CLIENT_ID, ...(tokens && { tokens }) }), modules: { members, currentCart } });
const unique = (tag = '') => `sdk-${randomUUID().slice(0, 8)}${tag}@example.com`;
const now = () => Math.floor(Date.now() / 1000);
const requests = async () => (await fake.get('/_wixtest/inspect/requests')).requests;

// The SDK's requests of one flow, recorded in a form that any client's can
// be compared with field by field: every request the fake received, in
// order, with the values that are random per run (tokens, PKCE, state,
// code, session IDs) replaced by their field name. testdata/*.sdk.json
// holds the recording; the Go side (handlers' TestDirectLoginMatchesSDK)
// normalizes the library's requests the same way (see that file's
// "normalization") and compares them with it. UPDATE_RECORDINGS=1
// rewrites it from this run.
const DIRECT_LOGIN_RECORDING = new URL('./testdata/direct-login.sdk.json', import.meta.url);
const RANDOM_FIELDS = ['codeChallenge', 'state', 'sessionToken', 'code', 'codeVerifier', 'refreshToken', 'session_token', 'member_id'];
function normalizeValue(v) {
  if (Array.isArray(v)) return v.map(normalizeValue);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, RANDOM_FIELDS.includes(k) ? `<${k}>` : normalizeValue(v[k])]));
  }
  return v;
}
function normalize(log) {
  return log.map((r) => ({
    endpoint: r.endpoint,
    method: r.method,
    path: r.path.replace(/^\/_wixtest\/(redirect|s)\/[^/]+/, '/_wixtest/$1/<id>'),
    ...(r.grant && { grant: r.grant }),
    status: r.status,
    contentType: r.contentType ?? '',
    authorization: r.authorization ? '<access token>' : '',
    body: r.body ? normalizeValue(JSON.parse(r.body)) : null,
  }));
}
function assertRecording(file, got) {
  if (process.env.UPDATE_RECORDINGS) {
    writeFileSync(file, JSON.stringify({
      about: 'The requests of @wix/sdk 1.21.16 getMemberTokensForDirectLogin(sessionToken) as wixtest received them (conformance.test.mjs), random values replaced by <field name>. Rewritten by UPDATE_RECORDINGS=1 npm test.',
      normalization: 'path: /_wixtest/redirect/<id>; authorization: "<access token>" when present; body: JSON with sorted keys, the values of ' + RANDOM_FIELDS.join(', ') + ' replaced by "<name>"; the page load has no body (null).',
      requests: got,
    }, null, 2) + '\n');
  }
  const want = JSON.parse(readFileSync(file, 'utf8')).requests;
  assert.deepEqual(got, want, `the SDK's requests differ from ${file.pathname}; if the SDK changed on purpose, rerun with UPDATE_RECORDINGS=1`);
}

function assertTokens(tokens, role) {
  assert.match(tokens.accessToken.value, /^OauthNG\.JWS\./);
  assert.ok(Math.abs(tokens.accessToken.expiresAt - (now() + 14400)) < 60, `expiresAt ${tokens.accessToken.expiresAt} is not now + 4h`);
  assert.match(tokens.refreshToken.value, /^JWS\./);
  assert.equal(tokens.refreshToken.role, role);
}

// tokenCalls counts the token endpoint calls a function makes, by grant.
async function tokenCalls(fn) {
  const before = (await requests()).length;
  const result = await fn();
  const calls = (await requests()).slice(before).filter((r) => r.endpoint === 'token').map((r) => `${r.grant}:${r.status}`);
  return { result, calls };
}

// memberTokensViaRedirect finishes a login by following a redirect session
// with prompt "none" and the session token of login/register/verify.
async function memberTokensViaRedirect(auth, sessionToken, responseMode = 'query') {
  const data = auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await auth.getAuthUrl(data, { prompt: 'none', sessionToken, responseMode });
  const page = await browse(authUrl);
  let code, state;
  if (responseMode === 'web_message') {
    // What getMemberTokensForDirectLogin's hidden iframe would receive.
    assert.equal(page.status, 200);
    const [, data, origin] = page.html.match(/postMessage\((\{.*?\}),\s*("[^"]*")\)/);
    assert.equal(JSON.parse(origin), new URL(REDIRECT_URI).origin);
    ({ code, state } = JSON.parse(data)); // the SDK's listener matches on data.state
  } else {
    assert.equal(page.status, 302);
    ({ code, state } = auth.parseFromUrl(page.location, responseMode));
  }
  return auth.getMemberTokens(code, state, data);
}

test('generateVisitorTokens: new visitor tokens', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const { result, calls } = await tokenCalls(() => auth.generateVisitorTokens());
  assertTokens(result, 'visitor');
  assert.deepEqual(calls, ['anonymous:200']);
});

test('generateVisitorTokens: valid tokens come back unchanged, with no call', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const tokens = await auth.generateVisitorTokens();
  const { result, calls } = await tokenCalls(() => auth.generateVisitorTokens(tokens));
  assert.equal(result, tokens);
  assert.deepEqual(calls, []);
});

test('generateVisitorTokens: an expired access token is renewed with the refresh token', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const tokens = await auth.generateVisitorTokens();
  const expired = { ...tokens, accessToken: { ...tokens.accessToken, expiresAt: now() - 10 } };
  const { result, calls } = await tokenCalls(() => auth.generateVisitorTokens(expired));
  assert.deepEqual(calls, ['refresh_token:200']);
  assertTokens(result, 'visitor');
  assert.notEqual(result.accessToken.value, tokens.accessToken.value);
  assert.deepEqual(result.refreshToken, tokens.refreshToken); // not rotated
});

test('generateVisitorTokens: a refused refresh token falls back to a new visitor', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const stale = { accessToken: { value: 'x', expiresAt: 0 }, refreshToken: { value: 'JWS.unknown', role: 'visitor' } };
  const { result, calls } = await tokenCalls(() => auth.generateVisitorTokens(stale));
  assert.deepEqual(calls, ['refresh_token:400', 'anonymous:200']);
  assertTokens(result, 'visitor');
});

test('renewToken: a new access token, the same refresh token; errors carry the request id', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const tokens = await auth.generateVisitorTokens();
  const renewed = await auth.renewToken(tokens.refreshToken);
  assertTokens(renewed, 'visitor');
  assert.notEqual(renewed.accessToken.value, tokens.accessToken.value);
  assert.equal(renewed.refreshToken, tokens.refreshToken);
  await assert.rejects(auth.renewToken({ value: 'JWS.unknown', role: 'visitor' }), (e) => {
    assert.match(e.message, /^Failed to fetch tokens from OAuth API: Bad Request\. request id: [\w.-]{8,}\. Response: .*"error":"invalid_grant"/);
    return true;
  });
});

test('generateOAuthData: PKCE S256 data', () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const d = auth.generateOAuthData(REDIRECT_URI, 'http://localhost:3000/account');
  assert.equal(d.redirectUri, REDIRECT_URI);
  assert.equal(d.originalUri, 'http://localhost:3000/account');
  assert.match(d.codeVerifier, /^[A-Za-z0-9\-._~]{43,128}$/);
  assert.equal(d.codeChallenge, createHash('sha256').update(d.codeVerifier).digest('base64url'));
  assert.ok(d.state.length > 0);
});

for (const responseMode of ['query', 'fragment']) {
  test(`hosted login (${responseMode}): getAuthUrl, the login page, parseFromUrl, getMemberTokens, loggedIn`, async () => {
    const client = newClient();
    const auth = client.auth;
    await auth.setTokens(await auth.generateVisitorTokens());
    assert.equal(auth.loggedIn(), false);
    const data = auth.generateOAuthData(REDIRECT_URI, 'http://localhost:3000/account');
    const opts = responseMode === 'query' ? { responseMode } : undefined; // fragment is the SDK's default
    const { authUrl, authorizationEndpoint, sessionToken } = await auth.getAuthUrl(data, opts);
    assert.ok(authUrl.startsWith(fake.url + '/_wixtest/redirect/'), authUrl);
    assert.equal(authorizationEndpoint, authUrl);
    assert.equal(typeof sessionToken, 'string');

    const form = await browse(authUrl);
    assert.equal(form.status, 200);
    assert.match(form.html, /id="wixtest-login"/);
    const wrong = await browse(authUrl, { email: DEMO.email, password: 'nope' });
    assert.match(wrong.html, /id="wixtest-error"/);
    const back = await browse(authUrl, { email: DEMO.email, password: DEMO.password });
    assert.equal(back.status, 302);
    assert.ok(back.location.startsWith(REDIRECT_URI + (responseMode === 'query' ? '?' : '#')), back.location);

    const { code, state, error } = auth.parseFromUrl(back.location, responseMode);
    assert.equal(state, data.state);
    assert.ok(code);
    assert.equal(error, undefined);
    await assert.rejects(auth.getMemberTokens(code, 'other-state', data), /Invalid _state/);
    await assert.rejects(auth.getMemberTokens(null, state, data), /Missing code or _state/);
    const tokens = await auth.getMemberTokens(code, state, data);
    assertTokens(tokens, 'member');
    auth.setTokens(tokens);
    assert.equal(auth.loggedIn(), true);
    const { member } = await client.members.getCurrentMember();
    assert.equal(member.loginEmail, DEMO.email);
    assert.equal(member.profile.nickname, DEMO.nickname);
    // Codes are single use, as on Wix.
    await assert.rejects(auth.getMemberTokens(code, state, data), /invalid_grant/);
  });
}

test('hosted login: Cancel comes back with error=access_denied', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  auth.setTokens(await auth.generateVisitorTokens());
  const data = auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await auth.getAuthUrl(data, { responseMode: 'query' });
  const back = await browse(authUrl + '/cancel');
  assert.equal(back.status, 302);
  const parsed = auth.parseFromUrl(back.location, 'query');
  assert.equal(parsed.error, 'access_denied');
  assert.equal(parsed.state, data.state);
  assert.ok(parsed.errorDescription);
});

test('getAuthUrl with prompt none and no session token: error=login_required', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  auth.setTokens(await auth.generateVisitorTokens());
  const data = auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await auth.getAuthUrl(data, { prompt: 'none', responseMode: 'query' });
  const back = await browse(authUrl);
  assert.equal(auth.parseFromUrl(back.location, 'query').error, 'login_required');
});

test('logout: a logout URL back to the app, and empty tokens', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const login = await auth.login({ email: DEMO.email, password: DEMO.password });
  auth.setTokens(await memberTokensViaRedirect(auth, login.data.sessionToken));
  assert.equal(auth.loggedIn(), true);
  const { logoutUrl } = await auth.logout('http://localhost:3000/');
  assert.ok(logoutUrl.startsWith(fake.url + '/_wixtest/redirect/'), logoutUrl);
  assert.deepEqual(auth.getTokens(), { accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } });
  assert.equal(auth.loggedIn(), false);
  const page = await browse(logoutUrl);
  assert.equal(page.status, 302);
  assert.equal(page.location, 'http://localhost:3000/');
});

test('login: SUCCESS, then the session token logs in through prompt none (query and web_message)', async () => {
  for (const mode of ['query', 'web_message']) {
    const client = newClient();
    const res = await client.auth.login({ email: DEMO.email, password: DEMO.password });
    assert.equal(res.loginState, 'SUCCESS');
    assert.match(res.data.sessionToken, /^JWS\./);
    client.auth.setTokens(await memberTokensViaRedirect(client.auth, res.data.sessionToken, mode));
    assert.equal(client.auth.loggedIn(), true);
    assert.equal((await client.members.getCurrentMember()).member.loginEmail, DEMO.email);
  }
});

test('login: every error code the SDK maps', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const cases = [
    [{ email: DEMO.email, password: 'wrong' }, 'invalidPassword'],
    [{ email: unique(), password: 'whatever' }, 'invalidEmail'],
    [{ email: DEMO.email, password: 'reset-required' }, 'resetPassword'],
    [{ email: 'captcha+someone@example.com', password: 'whatever' }, 'missingCaptchaToken'],
    [{ email: DEMO.email, password: DEMO.password, captchaTokens: { recaptchaToken: 'bad' } }, 'invalidCaptchaToken'],
  ];
  for (const [params, errorCode] of cases) {
    const res = await auth.login(params);
    assert.equal(res.loginState, 'FAILURE', errorCode);
    assert.equal(res.errorCode, errorCode);
    assert.equal(typeof res.error, 'string');
  }
  // A good captcha token gets past the captcha check.
  const ok = await auth.login({ ...DEMO, captchaTokens: { invisibleRecaptchaToken: 'good' } });
  assert.equal(ok.loginState, 'SUCCESS');
});

test('register: SUCCESS with a profile, then the new member logs in', async () => {
  const client = newClient();
  const email = unique();
  const res = await client.auth.register({ email, password: 'pw-123456', profile: { nickname: 'Conformance' } });
  assert.equal(res.loginState, 'SUCCESS');
  client.auth.setTokens(await memberTokensViaRedirect(client.auth, res.data.sessionToken));
  const { member } = await client.members.getCurrentMember();
  assert.equal(member.loginEmail, email);
  assert.equal(member.profile.nickname, 'Conformance');
});

test('register: EMAIL_VERIFICATION_REQUIRED, then processVerification with the emailed code', async () => {
  const client = newClient();
  const auth = client.auth;
  const email = unique('+verify');
  const res = await auth.register({ email, password: 'pw-123456' });
  assert.equal(res.loginState, 'EMAIL_VERIFICATION_REQUIRED');
  assert.match(res.data.stateToken, /^JWS\./);
  const { code } = await fake.get('/_wixtest/inspect/verification-code?email=' + encodeURIComponent(email));
  assert.match(code, /^\d{6}$/);
  // A wrong code is an error from Wix; the SDK lets it through.
  await assert.rejects(auth.processVerification({ verificationCode: '000000' === code ? '111111' : '000000' }), (e) => {
    assert.equal(e.details?.applicationError?.code, '-19965');
    return true;
  });
  // The SDK keeps the state from register; the state can also be passed.
  const done = await auth.processVerification({ verificationCode: code }, res);
  assert.equal(done.loginState, 'SUCCESS');
  auth.setTokens(await memberTokensViaRedirect(auth, done.data.sessionToken));
  assert.equal((await client.members.getCurrentMember()).member.loginEmail, email);
  // Verified now: a plain login succeeds.
  assert.equal((await auth.login({ email, password: 'pw-123456' })).loginState, 'SUCCESS');
});

test('login: EMAIL_VERIFICATION_REQUIRED, processVerification from the kept state', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const email = unique('+verify');
  assert.equal((await auth.register({ email, password: 'pw-123456' })).loginState, 'EMAIL_VERIFICATION_REQUIRED');
  const res = await auth.login({ email, password: 'pw-123456' });
  assert.equal(res.loginState, 'EMAIL_VERIFICATION_REQUIRED');
  const { code } = await fake.get('/_wixtest/inspect/verification-code?email=' + encodeURIComponent(email));
  const done = await auth.processVerification({ code }); // no state: the SDK's own
  assert.equal(done.loginState, 'SUCCESS');
  assert.match(done.data.sessionToken, /^JWS\./);
});

test('register and login: OWNER_APPROVAL_REQUIRED until the owner approves', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const email = unique('+approve');
  assert.deepEqual(await auth.register({ email, password: 'pw-123456' }), { loginState: 'OWNER_APPROVAL_REQUIRED' });
  assert.deepEqual(await auth.login({ email, password: 'pw-123456' }), { loginState: 'OWNER_APPROVAL_REQUIRED' });
  assert.deepEqual(await fake.post('/_wixtest/inspect/approve?email=' + encodeURIComponent(email)), { approved: true });
  assert.equal((await auth.login({ email, password: 'pw-123456' })).loginState, 'SUCCESS');
});

test('register: every error code the SDK maps', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const cases = [
    [{ email: DEMO.email, password: 'pw-123456' }, 'emailAlreadyExists'],
    [{ email: 'not-an-email', password: 'pw-123456' }, 'invalidEmail'],
    [{ email: 'captcha+' + unique(), password: 'pw-123456' }, 'missingCaptchaToken'],
    [{ email: unique(), password: 'pw-123456', captchaTokens: { recaptchaToken: 'bad' } }, 'invalidCaptchaToken'],
  ];
  for (const [params, errorCode] of cases) {
    const res = await auth.register(params);
    assert.equal(res.loginState, 'FAILURE', errorCode);
    assert.equal(res.errorCode, errorCode);
    assert.equal(typeof res.error, 'string');
  }
});

test('sendPasswordResetEmail: resolves for members and strangers alike', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const stranger = unique();
  assert.equal(await auth.sendPasswordResetEmail(DEMO.email, 'http://localhost:3000/login'), undefined);
  assert.equal(await auth.sendPasswordResetEmail(stranger, 'http://localhost:3000/login'), undefined);
  const { emails } = await fake.get('/_wixtest/inspect/password-reset-emails');
  assert.deepEqual(emails.slice(-2), [DEMO.email, stranger]);
  const sent = (await requests()).filter((r) => r.endpoint === 'recovery').at(-1);
  assert.deepEqual(JSON.parse(sent.body).redirect, { url: 'http://localhost:3000/login', clientId: CLIENT_ID });
});

test('getMemberTokensForExternalLogin: the API key grant', async () => {
  const client = newClient();
  const auth = client.auth;
  auth.setTokens(await auth.generateVisitorTokens());
  const { id } = await fake.get('/_wixtest/inspect/member?email=' + encodeURIComponent(DEMO.email));
  const tokens = await auth.getMemberTokensForExternalLogin(id, API_KEY);
  assertTokens(tokens, 'member');
  auth.setTokens(tokens);
  assert.equal((await client.members.getCurrentMember()).member._id, id);
  await assert.rejects(auth.getMemberTokensForExternalLogin(id, 'wrong-key'), /Forbidden.*PERMISSION_DENIED/);
});

test('getAuthHeaders: mints visitor tokens on first use, then sends the raw access token', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const { headers } = await auth.getAuthHeaders();
  assert.equal(headers.Authorization, auth.getTokens().accessToken.value);
  assert.match(headers.Authorization, /^OauthNG\.JWS\./);
  assert.equal(auth.getActiveToken(), headers.Authorization);
  assert.equal(auth.loggedIn(), false);
});

test('generated modules: members and the current cart, with read-your-writes', async () => {
  const client = newClient();
  // No tokens yet: the first call mints visitor tokens through getAuthHeaders.
  await assert.rejects(client.currentCart.getCurrentCart(), (e) => {
    assert.equal(e.details?.applicationError?.code, 'OWNED_CART_NOT_FOUND');
    return true;
  });
  assert.equal(client.auth.getTokens().refreshToken.role, 'visitor');
  await assert.rejects(client.members.getCurrentMember(), (e) => {
    assert.equal(e.details?.applicationError?.code, 'PERMISSION_DENIED');
    return true;
  });
  const added = await client.currentCart.addToCurrentCart({
    lineItems: [{ catalogReference: { appId: STORES_APP_ID, catalogItemId: 'demo-item' }, quantity: 2 }],
  });
  assert.equal(added.cart.lineItems.length, 1);
  assert.equal(added.cart.lineItems[0].quantity, 2);
  const cart = await client.currentCart.getCurrentCart();
  assert.equal(cart._id, added.cart._id);
  assert.equal(cart.subtotal.amount, '20.00');
  assert.equal(cart.buyerInfo.visitorId.length > 0, true);

  const log = await requests();
  const read = log.filter((r) => r.endpoint === 'cart').at(-1);
  assert.ok(read.consistent, 'the SDK sends X-Wix-Consistent back after a write');
  // Wix wants the raw access token: no API call of the SDK used "Bearer".
  for (const r of log) assert.ok(!(r.authorization ?? '').startsWith('Bearer '), `${r.path} sent a Bearer token`);
});

test('an expired access token is renewed before an API call', async () => {
  const client = newClient();
  const tokens = await client.auth.generateVisitorTokens();
  client.auth.setTokens({ ...tokens, accessToken: { ...tokens.accessToken, expiresAt: now() - 1 } });
  const { calls } = await tokenCalls(() => assert.rejects(client.currentCart.getCurrentCart()));
  assert.deepEqual(calls, ['refresh_token:200']);
  assert.equal(client.auth.getTokens().refreshToken.value, tokens.refreshToken.value);
});

test('getMemberTokensForExternalLoginWithSession: sign-on, then the session grant', async () => {
  const client = newClient();
  const auth = client.auth;
  auth.setTokens(await auth.generateVisitorTokens());
  const visitor = auth.getTokens().accessToken.value;
  const { id } = await fake.get('/_wixtest/inspect/member?email=' + encodeURIComponent(DEMO.email));
  const { result: tokens, calls } = await tokenCalls(() => auth.getMemberTokensForExternalLoginWithSession(DEMO.email, API_KEY));
  assertTokens(tokens, 'member');
  assert.deepEqual(calls, ['authorized_client:200']);
  const log = await requests();
  const signOn = log.filter((r) => r.endpoint === 'sign-on').at(-1);
  assert.equal(signOn.authorization, `${visitor},${API_KEY}`);
  assert.deepEqual(JSON.parse(signOn.body), { loginId: { email: DEMO.email } });
  const grant = log.filter((r) => r.grant === 'authorized_client').at(-1);
  const body = JSON.parse(grant.body);
  assert.deepEqual(Object.keys(body).sort(), ['grant_type', 'member_id', 'session_token']);
  assert.equal(body.member_id, id);
  auth.setTokens(tokens);
  assert.equal((await client.members.getCurrentMember()).member._id, id);

  // A new email signs on a new member, with the SDK's options.
  const email = unique();
  const fresh = OAuthStrategy({ clientId: CLIENT_ID });
  assertTokens(await fresh.getMemberTokensForExternalLoginWithSession(email, API_KEY, { profile: { nickname: 'Fresh' }, verifyEmail: true }), 'member');
  assert.equal((await fake.get('/_wixtest/inspect/member?email=' + encodeURIComponent(email))).nickname, 'Fresh');
  await assert.rejects(fresh.getMemberTokensForExternalLoginWithSession(DEMO.email, 'wrong-key'), (e) => e.details?.applicationError?.code === 'PERMISSION_DENIED');
});

test('getMemberTokensForDirectLogin: the hidden iframe, web_message, no redirect URI', async () => {
  const dom = installDOM('http://localhost:3000');
  try {
    const client = newClient();
    const res = await client.auth.login({ email: DEMO.email, password: DEMO.password });
    assert.equal(res.loginState, 'SUCCESS');
    const from = (await requests()).length;
    const { result: tokens, calls } = await tokenCalls(() => client.auth.getMemberTokensForDirectLogin(res.data.sessionToken));
    assertTokens(tokens, 'member');
    assertRecording(DIRECT_LOGIN_RECORDING, normalize((await requests()).slice(from)));
    assert.deepEqual(calls, ['authorization_code:200']);
    const log = await requests();
    const ar = JSON.parse(log.filter((r) => r.endpoint === 'redirect-session').at(-1).body).auth;
    assert.equal(ar.prompt, 'none');
    assert.equal(ar.authRequest.responseMode, 'web_message');
    assert.equal(ar.authRequest.redirectUri, undefined);
    assert.equal(JSON.parse(log.filter((r) => r.grant === 'authorization_code').at(-1).body).redirectUri, undefined);
    assert.equal(dom.loads.length, 1);
    assert.equal(dom.loads[0].posted.target, '*');
    client.auth.setTokens(tokens);
    assert.equal((await client.members.getCurrentMember()).member.loginEmail, DEMO.email);
  } finally {
    dom.uninstall();
  }
});

test('sessions.syncToWixPages and isSessionSynced: the login warm-up, remembered 7 days', async () => {
  const dom = installDOM('http://localhost:3000');
  try {
    const client = newClient();
    client.enableContext('global'); // the warm-up calls the redirects module ambiently, as in a browser app
    const { sessions } = client.auth;
    assert.equal(sessions.isSessionSynced(), false);
    const before = (await requests()).length;
    await sessions.syncToWixPages();
    assert.equal(sessions.isSessionSynced(), true);
    const made = (await requests()).slice(before).filter((r) => r.endpoint === 'redirect-session');
    assert.deepEqual(made.map((r) => JSON.parse(r.body)), [{ login: {} }]);
    assert.equal(dom.loads.at(-1).status, 200);
    await sessions.syncToWixPages(); // remembered: no new session
    assert.equal((await requests()).slice(before).filter((r) => r.endpoint === 'redirect-session').length, 1);
    await sessions.syncToWixPages({ force: true });
    assert.equal((await requests()).slice(before).filter((r) => r.endpoint === 'redirect-session').length, 2);
    dom.storage.set('wixRedirectSessionLastPreWarm', String(Date.now() - 8 * 24 * 3600 * 1000));
    assert.equal(sessions.isSessionSynced(), false);
  } finally {
    delete globalThis.__wix_context__;
    dom.uninstall();
  }
});

test('getAuthUrl: identity provider, prompts consent and select_account, and its three values', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  auth.setTokens(await auth.generateVisitorTokens());
  const data = auth.generateOAuthData(REDIRECT_URI);
  const res = await auth.getAuthUrl(data, { responseMode: 'query', idp: 'google' });
  assert.deepEqual(Object.keys(res).sort(), ['authUrl', 'authorizationEndpoint', 'sessionToken']);
  let ar = JSON.parse((await requests()).filter((r) => r.endpoint === 'redirect-session').at(-1).body).auth;
  assert.equal(ar.authRequest.idp, '0e6a50f5-b523-4e29-990d-f37fa2ffdd69');
  await auth.getAuthUrl(data, { responseMode: 'query', idp: { connectionId: '3ecad13f-52c3-483d-911f-31dbcf2a6d23' } });
  // The runtime Prompt enum has consent and select_account (its typings list only login and none).
  for (const prompt of ['consent', 'select_account']) {
    const { authUrl } = await auth.getAuthUrl(data, { responseMode: 'query', prompt });
    ar = JSON.parse((await requests()).filter((r) => r.endpoint === 'redirect-session').at(-1).body).auth;
    assert.equal(ar.prompt, prompt);
    assert.equal((await browse(authUrl)).status, 200); // the login page, as for prompt login
  }
  // The fake holds the redirect URI to the OAuth app's list.
  const other = auth.generateOAuthData('http://localhost:3000/not-registered');
  await assert.rejects(auth.getAuthUrl(other), (e) => e.details?.applicationError?.code === 'INVALID_REDIRECT_URI');
});

test('redirects: every callback, preferences, origin and the newer intents', async () => {
  const client = createClient({ auth: OAuthStrategy({ clientId: CLIENT_ID }), modules: { redirects } });
  const callbacks = {
    postFlowUrl: 'http://localhost:3000/', thankYouPageUrl: 'http://localhost:3000/thanks', cartPageUrl: 'http://localhost:3000/cart',
    loginUrl: 'http://localhost:3000/login', bookingsServiceListUrl: 'http://localhost:3000/services', planListUrl: 'http://localhost:3000/plans',
  };
  const preferences = { useGenericWixPages: false, maintainIdentity: true, additionalQueryParameters: { lang: 'fr' } };
  const { redirectSession } = await client.redirects.createRedirectSession({
    bookingsBook: { resourceId: randomUUID() }, callbacks, preferences, origin: 'http://localhost:3000',
  });
  assert.equal(new URL(redirectSession.fullUrl).searchParams.get('lang'), 'fr');
  assert.equal((await browse(redirectSession.fullUrl)).status, 200);
  const sent = JSON.parse((await requests()).filter((r) => r.endpoint === 'redirect-session').at(-1).body);
  assert.deepEqual(sent.callbacks, callbacks);
  assert.deepEqual(sent.preferences, preferences);
  const pay = await client.redirects.createRedirectSession({ ecomOrderPaymentRequest: { paymentRequestId: randomUUID() } });
  assert.ok(pay.redirectSession.fullUrl.startsWith(fake.url));
});

test('getTokenInfo (AppStrategy, the same /oauth2/token-info)', async () => {
  const auth = OAuthStrategy({ clientId: CLIENT_ID });
  const tokens = await auth.generateVisitorTokens();
  const info = await AppStrategy({ appId: CLIENT_ID, appSecret: 'unused', accessToken: tokens.accessToken.value }).getTokenInfo();
  assert.equal(info.active, true);
  assert.equal(info.subjectType, 'VISITOR');
  assert.equal(info.clientId, CLIENT_ID);
  assert.ok(Math.abs(info.exp - (now() + 14400)) < 60);
  const gone = await AppStrategy({ appId: CLIENT_ID, appSecret: 'unused', accessToken: 'OauthNG.JWS.unknown' }).getTokenInfo();
  assert.deepEqual(gone, { active: false });
});

// Last: it reads the log of every test before it.
test('every path the SDK called is one the fake serves, and every endpoint was covered', async () => {
  const log = await requests();
  assert.deepEqual(log.filter((r) => r.endpoint === 'other'), []);
  const covered = new Set(log.map((r) => r.endpoint));
  for (const e of ['token', 'token-info', 'sign-on', 'redirect-session', 'login', 'register', 'verify', 'recovery', 'members-my', 'cart', 'add-to-cart', 'login-page', 'logout-page', 'redirect-page']) {
    assert.ok(covered.has(e), `no SDK call reached the fake's ${e} endpoint`);
  }
  // The token, identity and redirect calls go to www, the generated modules to edge.
  const origin = (path) => new Set(fake.hosts.filter((h) => h.path === path).map((h) => h.origin));
  assert.deepEqual(origin('/oauth2/token'), new Set(['https://www.wixapis.com']));
  assert.deepEqual(origin('/members/v1/members/my'), new Set(['https://edge.wixapis.com']));
});
