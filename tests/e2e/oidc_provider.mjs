// A real OpenID provider for the back office's sign-in tests (tests/e2e/test_backoffice_signin.py):
// npm's oidc-provider on a loopback port, with one registered client and the test accounts of the
// JSON file OIDC_ACCOUNTS ({login: {claims: {...}, tamper?: "issuer" | "audience" | "expired"}}).
// Its own login and consent pages (devInteractions) sign anyone in by login name. An account with
// "tamper" gets an ID token re-signed with the provider's own key but with that claim wrong, so the
// relying party must refuse it on the claim alone. Settings come from the environment (the client
// secret never on a command line); prints "ready <issuer>" once it listens.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS, 'utf8'));

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub', 'tid', 'oid', 'roles'], email: ['email'], profile: ['name'] },
  conformIdTokenClaims: false, // every claim in the ID token, as Azure AD's optional claims put them
  findAccount: async (ctx, id) => (accounts[id] ? {
    accountId: id,
    claims: async () => ({ sub: id, ...accounts[id].claims }),
  } : undefined),
});

const tampering = {
  issuer: (claims) => ({ ...claims, iss: 'http://127.0.0.1:1/another-issuer' }),
  audience: (claims) => ({ ...claims, aud: 'another-client' }),
  expired: (claims) => ({ ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 }),
};

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || !ctx.body || typeof ctx.body.id_token !== 'string') return;
  const claims = decodeJwt(ctx.body.id_token);
  const tamper = accounts[claims.sub]?.tamper;
  if (!tamper) return;
  const header = decodeProtectedHeader(ctx.body.id_token);
  ctx.body = { ...ctx.body, id_token: await new SignJWT(tampering[tamper](claims)).setProtectedHeader(header).sign(privateKey) };
});

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
