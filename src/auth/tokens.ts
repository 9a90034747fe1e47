import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '../domain/access.js';
import { errors } from '../domain/errors.js';

/** A person's account as the rest of the gateway sees it. */
export interface AuthUser {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
}

/**
 * What a verified token says. The role is not taken from it: the account's current role is read on every request,
 * so lowering a role takes effect at once. `generation` is the account's token generation when the token was issued:
 * revoking a user's tokens (password change, admin revoke, disable) moves it on, and older tokens stop working.
 */
export interface TokenClaims {
  readonly userId: number;
  readonly generation: number;
  /** The dashboard session the token was issued for (claim `sid`); absent for password-login API tokens. */
  readonly sessionId?: string;
  /** ms */
  readonly expiresAt: number;
}

/** Pinned: a token signed any other way (including `alg: none`) is refused. */
const ALGORITHM = 'HS256';
/** Verified tokens remembered (oldest dropped first); a client sends the same token with every request. */
const VERIFIED_MAX = 1000;

export class TokenService {
  /**
   * The secret as a KeyObject, made once: given a string, jsonwebtoken first tries to parse it as a PEM public
   * key on every call and only then falls back to a secret key, and that failed parse cost ~0.5 ms per request.
   */
  private readonly secret: KeyObject;
  /** Token → its claims: a token seen before costs a lookup instead of an HMAC and two JSON parses. */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    secret: string,
    private readonly expiresIn: string,
    /** Whether a dashboard session is still on; a token naming an ended one is refused (checked on every use). */
    private readonly sessionActive: (sessionId: string) => boolean = () => true,
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** `options`: a dashboard session's short-lived token names its session and has its own lifetime. */
  issue(user: AuthUser & { readonly generation?: number }, options: { sessionId?: string; expiresIn?: string } = {}): { token: string; expiresIn: number } {
    const claims = {
      sub: String(user.id),
      username: user.username,
      role: user.role,
      gen: user.generation ?? 0,
      ...(options.sessionId ? { sid: options.sessionId } : {}),
    };
    const token = jwt.sign(claims, this.secret, { algorithm: ALGORITHM, expiresIn: (options.expiresIn ?? this.expiresIn) as jwt.SignOptions['expiresIn'] });
    const decoded = jwt.decode(token) as { exp: number; iat: number };
    return { token, expiresIn: decoded.exp - decoded.iat };
  }

  /** Throws UNAUTHORIZED (one wording for every reason). */
  verify(token: string): TokenClaims {
    const known = this.verified.get(token);
    // Same instant rule as jsonwebtoken's own check: valid while now < exp.
    if (known && Date.now() < known.expiresAt) return this.stillSignedIn(known);
    if (known) this.verified.delete(token);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: [ALGORITHM] });
    } catch (err) {
      throw errors.unauthorized(err);
    }
    if (typeof payload === 'string' || !payload.sub || !/^[0-9]+$/.test(payload.sub) || typeof payload.exp !== 'number') throw errors.unauthorized();
    const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
    const gen = typeof payload['gen'] === 'number' && Number.isInteger(payload['gen']) ? payload['gen'] : 0;
    const claims: TokenClaims = { userId: Number(payload.sub), generation: gen, expiresAt: payload.exp * 1000, ...(sid ? { sessionId: sid } : {}) };
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return this.stillSignedIn(claims);
  }

  /** Whether a token that names this session may still be used (live sockets re-check). */
  isSessionActive(sessionId: string): boolean {
    return this.sessionActive(sessionId);
  }

  private stillSignedIn(claims: TokenClaims): TokenClaims {
    if (claims.sessionId !== undefined && !this.sessionActive(claims.sessionId)) throw errors.unauthorized();
    return claims;
  }
}
