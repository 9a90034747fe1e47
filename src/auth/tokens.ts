import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { errors } from '../domain/errors.js';

export interface AuthUser {
  readonly id: number;
  readonly username: string;
  readonly role: 'admin' | 'user';
  /** The dashboard session the token was issued for (claim `sid`); absent for password-login API tokens. */
  readonly sessionId?: string;
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
  /** Token → its user and expiry (ms): a token seen before costs a lookup instead of an HMAC and two JSON parses. */
  private readonly verified = new Map<string, { user: AuthUser; expiresAt: number }>();

  constructor(
    secret: string,
    private readonly expiresIn: string,
    /** Whether a dashboard session is still on; a token naming an ended one is refused (checked on every use). */
    private readonly sessionActive: (sessionId: string) => boolean = () => true,
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** `options`: a dashboard session's short-lived token names its session and has its own lifetime. */
  issue(user: AuthUser, options: { sessionId?: string; expiresIn?: string } = {}): { token: string; expiresIn: number } {
    const claims = { sub: String(user.id), username: user.username, role: user.role, ...(options.sessionId ? { sid: options.sessionId } : {}) };
    const token = jwt.sign(claims, this.secret, {
      algorithm: ALGORITHM,
      expiresIn: (options.expiresIn ?? this.expiresIn) as jwt.SignOptions['expiresIn'],
    });
    const decoded = jwt.decode(token) as { exp: number; iat: number };
    return { token, expiresIn: decoded.exp - decoded.iat };
  }

  verify(token: string): AuthUser {
    const known = this.verified.get(token);
    // Same instant rule as jsonwebtoken's own check: valid while now < exp.
    if (known && Date.now() < known.expiresAt) return this.stillSignedIn(known.user);
    if (known) this.verified.delete(token);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: [ALGORITHM] });
    } catch (err) {
      const reason = err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token';
      throw errors.unauthorized(reason, err);
    }
    if (typeof payload === 'string' || !payload.sub || typeof payload['username'] !== 'string') {
      throw errors.unauthorized();
    }
    const role = payload['role'] === 'admin' ? 'admin' : 'user';
    const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
    const user: AuthUser = { id: Number(payload.sub), username: payload['username'], role, ...(sid ? { sessionId: sid } : {}) };
    if (typeof payload.exp === 'number') {
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, { user, expiresAt: payload.exp * 1000 });
    }
    return this.stillSignedIn(user);
  }

  private stillSignedIn(user: AuthUser): AuthUser {
    if (user.sessionId !== undefined && !this.sessionActive(user.sessionId)) throw errors.unauthorized('signed out: this session has ended');
    return user;
  }
}
