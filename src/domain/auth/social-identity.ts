/** A provider social login may use, as the login page lists it. */
export interface SocialProvider {
  /** The short name of the provider (`yandex`, `vk`): part of its addresses. */
  id: string;
  /** The label of its login button. */
  name: string;
}

/** Who the provider says the person is, read from an ID token whose signature and claims were checked. */
export interface SocialIdentity {
  /** The provider's stable identifier of the person (`sub`). */
  subject: string;
  /** Shown beside the link in the personal account, when the provider gives one. */
  label: string | null;
}

/**
 * The OpenID Connect relying party: the authorization code flow with PKCE, `state` and `nonce`.
 * The real adapter speaks to each provider over HTTP (openid-client); the domain only keeps the
 * per-request secrets and decides what an identity may do.
 */
export interface SocialIdentityPort {
  providers(): SocialProvider[];
  /** The provider's authorization address for one request. */
  authorizationUrl(providerId: string, req: { state: string; nonce: string; codeChallenge: string }): Promise<string>;
  /**
   * Redeems the code of the provider's redirect to `callbackUrl` (sent with the PKCE verifier),
   * and checks the response's `state` and the ID token: its signature against the provider's keys,
   * issuer, audience, expiry and issue time (as of `now`) and `nonce`. Throws
   * `SOCIAL_LOGIN_FAILED` with a `reason` for the audit on any mismatch.
   */
  finish(providerId: string, req: { callbackUrl: string; state: string; nonce: string; codeVerifier: string; now: Date }): Promise<SocialIdentity>;
}

/** No provider configured: social login is off. */
export const noSocialIdentity: SocialIdentityPort = {
  providers: () => [],
  authorizationUrl: () => Promise.reject(new Error('no OpenID Connect provider is configured')),
  finish: () => Promise.reject(new Error('no OpenID Connect provider is configured')),
};
