import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '../../config.ts';
import type { SocialIdentity, SocialIdentityPort } from '../../domain/auth/social-identity.ts';
import { DomainError } from '../../domain/shared/errors.ts';

/** The address each provider sends the person back to; registered with the provider as the redirect URI. */
export function socialCallbackUrl(publicUrl: string, providerId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/auth/social/${providerId}/callback`;
}

interface Discovered {
  server: oidc.ServerMetadata;
  jwks?: oidc.ExportedJWKSCache;
}

/** openid-client's error and the protocol library's beneath it, in words for the audit. */
function explain(e: unknown): string {
  const parts: string[] = [];
  let at: unknown = e;
  for (let depth = 0; depth < 3 && at instanceof Error; depth++) {
    const err = at as Error & { code?: string; error?: string };
    for (const p of [err.code, err.error, err.message]) if (p && !parts.includes(p)) parts.push(p);
    at = err.cause;
  }
  return parts.join(': ');
}

function failed(reason: string): DomainError {
  return new DomainError('SOCIAL_LOGIN_FAILED', { reason: reason.slice(0, 200) });
}

/**
 * OpenID Connect relying party on openid-client: providers found by discovery
 * (`/.well-known/openid-configuration`, fetched once and kept), the client authenticated with its
 * secret (client_secret_basic), and ID tokens from the token endpoint checked with their
 * signature (non-repudiation checks), not only trusted for having come over TLS.
 */
export function openIdConnect(providers: OidcProviderConfig[], opts: { publicUrl: string }): SocialIdentityPort {
  const byId = new Map(providers.map((p) => [p.id, p]));
  const discovered = new Map<string, Promise<Discovered>>();

  const provider = (id: string) => {
    const p = byId.get(id);
    if (!p) throw new DomainError('SOCIAL_PROVIDER_UNKNOWN', { provider: id });
    return p;
  };
  const insecure = (p: OidcProviderConfig) => new URL(p.issuer).protocol === 'http:';

  const discover = (p: OidcProviderConfig): Promise<Discovered> => {
    let d = discovered.get(p.id);
    if (!d) {
      d = oidc
        .discovery(new URL(p.issuer), p.clientId, undefined, oidc.ClientSecretBasic(p.clientSecret), insecure(p) ? { execute: [oidc.allowInsecureRequests] } : undefined)
        .then((c) => ({ server: c.serverMetadata() }));
      // A provider that was down is asked again next time.
      d.catch(() => discovered.delete(p.id));
      discovered.set(p.id, d);
    }
    return d;
  };

  /** A client configuration for one call, its clock set to the platform's. */
  const configure = async (p: OidcProviderConfig, now: Date) => {
    const d = await discover(p).catch((e: unknown) => {
      throw failed(`discovery: ${(e as Error).message}`);
    });
    const config = new oidc.Configuration(
      d.server,
      p.clientId,
      { client_secret: p.clientSecret, redirect_uris: [socialCallbackUrl(opts.publicUrl, p.id)], [oidc.clockSkew]: Math.round((now.getTime() - Date.now()) / 1000) },
      oidc.ClientSecretBasic(p.clientSecret),
    );
    if (insecure(p)) oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
    if (d.jwks) oidc.setJwksCache(config, d.jwks);
    return { config, d };
  };

  return {
    providers: () => providers.map((p) => ({ id: p.id, name: p.name })),

    async authorizationUrl(providerId, req) {
      const p = provider(providerId);
      const { config } = await configure(p, new Date());
      return oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: socialCallbackUrl(opts.publicUrl, p.id),
          scope: 'openid',
          response_type: 'code',
          state: req.state,
          nonce: req.nonce,
          code_challenge: req.codeChallenge,
          code_challenge_method: 'S256',
        })
        .toString();
    },

    async finish(providerId, req): Promise<SocialIdentity> {
      const p = provider(providerId);
      const { config, d } = await configure(p, req.now);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(
          config,
          new URL(req.callbackUrl),
          { expectedState: req.state, expectedNonce: req.nonce, pkceCodeVerifier: req.codeVerifier, idTokenExpected: true },
          { redirect_uri: socialCallbackUrl(opts.publicUrl, p.id) },
        );
      } catch (e) {
        throw failed(explain(e));
      } finally {
        const cache = oidc.getJwksCache(config);
        if (cache) d.jwks = cache;
      }
      const claims = tokens.claims();
      if (!claims || typeof claims.sub !== 'string' || claims.sub.length === 0) throw failed('the ID token names no subject');
      const label = [claims.email, claims.preferred_username, claims.name].find((v): v is string => typeof v === 'string' && v.length > 0) ?? null;
      return { subject: claims.sub, label: label ? label.slice(0, 200) : null };
    },
  };
}
