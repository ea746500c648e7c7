// The OIDC identity provider the auth tests sign in against: npm's
// oidc-provider with the device flow (RFC 8628), one public client, refresh
// token rotation (reusing a rotated token revokes the grant), revocation and
// one test account. Dev only: http issuer on 127.0.0.1, state in memory, keys
// made at start. scripts/idp.sh runs it; every setting comes from the
// environment (see `env` below).
//
// When it listens it writes its issuer to IDP_READY_FILE, so the port can be 0
// (the kernel picks a free one) and the issuer still names the real port.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = {
  modules: process.env.IDP_NODE_MODULES || join(import.meta.dirname, 'node_modules'),
  port: int('IDP_PORT', 0),
  readyFile: process.env.IDP_READY_FILE || '',
  clientId: process.env.SMALLFRY_IDP_CLIENT_ID || 'smallfry-test',
  // A second public client whose device codes expire quickly, for the
  // "code expired" tests; it is otherwise the same.
  shortClientId: process.env.SMALLFRY_IDP_SHORT_CLIENT_ID || 'smallfry-test-short',
  user: process.env.SMALLFRY_IDP_USER || 'analyst',
  password: process.env.SMALLFRY_IDP_PASSWORD || 'analyst-password',
  email: process.env.SMALLFRY_IDP_EMAIL || 'analyst@example.com',
  // The claim MinIO maps to a policy (MINIO_IDENTITY_OPENID_CLAIM_NAME=policy).
  policy: process.env.SMALLFRY_IDP_POLICY || 'readwrite',
  ttl: {
    idToken: int('SMALLFRY_IDP_ID_TOKEN_TTL', 3600),
    accessToken: int('SMALLFRY_IDP_ACCESS_TOKEN_TTL', 3600),
    refreshToken: int('SMALLFRY_IDP_REFRESH_TOKEN_TTL', 14 * 24 * 3600),
    deviceCode: int('SMALLFRY_IDP_DEVICE_CODE_TTL', 600),
    shortDeviceCode: int('SMALLFRY_IDP_SHORT_DEVICE_CODE_TTL', 4),
  },
};

function int(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number.parseInt(v, 10);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`idp: ${name} must be a whole number of seconds, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

const { default: Provider, errors } = await import(
  pathToFileURL(join(env.modules, 'oidc-provider', 'lib', 'index.js')).href
);

// Listen first, so the issuer can carry the port the kernel chose.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(env.port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const account = {
  accountId: 'analyst-0001',
  async claims() {
    return {
      sub: 'analyst-0001',
      email: env.email,
      email_verified: true,
      name: env.user,
      preferred_username: env.user,
      policy: env.policy,
    };
  },
};

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

const client = (clientId) => ({
  client_id: clientId,
  client_name: 'Smallfry (test)',
  token_endpoint_auth_method: 'none',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  application_type: 'native',
  scope: 'openid offline_access email profile',
});

const page = (title, body) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>${body}</body></html>`;

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [client(env.clientId), client(env.shortClientId)],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: async (ctx, sub) => (sub === account.accountId ? account : undefined),
  // The test account's claims go in the id_token itself (MinIO reads the
  // policy claim from there), not only behind userinfo.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'policy'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    deviceFlow: {
      enabled: true,
      userCodeInputSource: async (ctx, form, out, err) => {
        let msg = '<p>Enter the code displayed on your device</p>';
        if (err && (err.userCode || err.name === 'NoCodeError')) msg = '<p class="error">The code you entered is incorrect. Try again</p>';
        else if (err) msg = '<p class="error">There was an error processing your request</p>';
        ctx.body = page('Sign-in', `${msg}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
      },
      userCodeConfirmSource: async (ctx, form, cl, deviceInfo, userCode) => {
        ctx.body = page('Confirm device', `<p>${html(cl.clientName || cl.clientId)} shows the code <code>${html(userCode)}</code>.</p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`);
      },
      successSource: async (ctx) => {
        ctx.body = page('Sign-in success', '<p>You can close this page.</p>');
      },
    },
  },
  // Public clients always rotate; a rotated token used again revokes the
  // grant (oidc-provider's default), which is what the refresh tests rely on.
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, cl, code) => cl.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  ttl: {
    AccessToken: env.ttl.accessToken,
    IdToken: env.ttl.idToken,
    RefreshToken: env.ttl.refreshToken,
    Grant: env.ttl.refreshToken,
    Session: env.ttl.refreshToken,
    Interaction: 3600,
    DeviceCode: (ctx, code, cl) => (cl.clientId === env.shortClientId ? env.ttl.shortDeviceCode : env.ttl.deviceCode),
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<p class="error">${html(out.error)}: ${html(out.error_description || '')}</p>`);
  },
});
provider.proxy = false;

// Log what happened, never a token or code value.
for (const ev of ['grant.success', 'grant.error', 'grant.revoked', 'server_error', 'revocation.error', 'device_authorization.error']) {
  provider.on(ev, (...args) => {
    const err = args.find((a) => a instanceof Error);
    console.log(`idp: ${ev}${err ? ` ${err.name}: ${err.message}` : ''}`);
  });
}

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 1 << 16) throw new Error('form too large');
  }
  return new URLSearchParams(raw);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

// The account's pages: login (the test account's username and password) and
// consent (allow, or deny which ends the device flow with access_denied).
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  const { prompt, params } = details;

  if (req.method === 'GET') {
    if (prompt.name === 'login') {
      return send(res, 200, page('Log in', `<form method="post" action="/interaction/${html(uid)}/login">
<input name="username" autocomplete="username"><input name="password" type="password">
<button type="submit">Log in</button></form>`));
    }
    return send(res, 200, page('Allow access', `<p>${html(params.client_id)} asks for ${html(params.scope)}.</p>
<form method="post" action="/interaction/${html(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${html(uid)}/abort"><button type="submit">Deny</button></form>`));
  }

  const form = await formBody(req);
  if (action === 'login') {
    if (prompt.name !== 'login') throw new errors.InvalidRequest('not a login prompt');
    if (form.get('username') !== env.user || form.get('password') !== env.password) {
      return send(res, 401, page('Log in', `<p class="error">Wrong username or password.</p>
<form method="post" action="/interaction/${html(uid)}/login">
<input name="username"><input name="password" type="password"><button type="submit">Log in</button></form>`));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.accountId } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    if (prompt.name !== 'consent') throw new errors.InvalidRequest('not a consent prompt');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User denied the request',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, page('Not found', ''));
}

const oidc = provider.callback();
server.on('request', async (req, res) => {
  const m = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?(?:\?|$)/.exec(req.url);
  if (!m) return oidc(req, res);
  try {
    await interaction(req, res, m[1], m[2]);
  } catch (err) {
    console.log(`idp: interaction ${err.name}: ${err.message}`);
    if (!res.headersSent) send(res, err.statusCode || 500, page('Error', `<p class="error">${html(err.message)}</p>`));
  }
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}

if (env.readyFile) {
  writeFileSync(`${env.readyFile}.tmp`, `${issuer}\n`);
  renameSync(`${env.readyFile}.tmp`, env.readyFile);
}
console.log(`idp: listening, issuer ${issuer}, clients ${env.clientId} ${env.shortClientId}`);
