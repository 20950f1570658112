import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const TEST_CLIENT_ID = 'abonent';
export const TEST_CLIENT_SECRET = 'client-secret-for-the-test-provider';

type Tamper = (header: Record<string, unknown>, claims: Record<string, unknown>) => { header: Record<string, unknown>; claims: Record<string, unknown>; key: KeyObject };

export interface TestProvider {
  /** The issuer: the relay's address, in front of the provider. */
  issuer: string;
  /** The provider's signing key (for re-signing a changed token as the provider would). */
  providerKey: KeyObject;
  /** A key that is not the provider's. */
  otherKey: KeyObject;
  /** Rewrites the ID token of the next token response; null once it has. */
  tamper: Tamper | null;
  close(): Promise<void>;
}

export function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A port free right now on loopback, for a server whose address must be known before it starts. */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/**
 * A real OpenID Connect provider (oidc-provider, with its development login and consent forms:
 * any login is accepted and becomes `sub`) on loopback, behind a small HTTP relay that is its
 * issuer address. The relay passes everything through; when `tamper` is set it rewrites the ID
 * token of the next token endpoint answer and signs it with the key `tamper` returns.
 */
export async function startTestProvider(opts: { redirectUris: string[] }): Promise<TestProvider> {
  const providerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  let providerPort = 0;
  const handle: TestProvider = { issuer: '', providerKey, otherKey, tamper: null, close: async () => undefined };
  const rewrite = (idToken: string): string => {
    const tamper = handle.tamper;
    if (!tamper) return idToken;
    handle.tamper = null;
    const [h, p] = idToken.split('.');
    const out = tamper(JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>, JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>);
    return signJwt(out.header, out.claims, out.key);
  };
  const relay = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers };
      delete headers['accept-encoding'];
      const out = http.request({ host: '127.0.0.1', port: providerPort, method: req.method, path: req.url, headers }, (pres) => {
        const body: Buffer[] = [];
        pres.on('data', (c: Buffer) => body.push(c));
        pres.on('end', () => {
          let data = Buffer.concat(body);
          const resHeaders = { ...pres.headers };
          if (req.url?.startsWith('/token') && pres.statusCode === 200) {
            const json = JSON.parse(data.toString()) as { id_token: string };
            json.id_token = rewrite(json.id_token);
            data = Buffer.from(JSON.stringify(json));
            resHeaders['content-length'] = String(data.length);
          }
          res.writeHead(pres.statusCode ?? 502, resHeaders);
          res.end(data);
        });
      });
      out.on('error', () => res.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  handle.issuer = `http://127.0.0.1:${await listen(relay)}`;
  const provider = new Provider(handle.issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: opts.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...providerKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] },
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    cookies: { keys: ['a-cookie-key-for-the-test-provider'] },
  });
  const server = http.createServer(provider.callback());
  providerPort = await listen(server);
  handle.close = async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => relay.close(r));
  };
  return handle;
}
