import jwt from 'jsonwebtoken';
import { GatewayError } from '../domain/errors.js';

export interface AuthUser {
  readonly id: number;
  readonly username: string;
  readonly role: 'admin' | 'user';
}

/** Pinned: a token signed any other way (including `alg: none`) is refused. */
const ALGORITHM = 'HS256';

export class TokenService {
  constructor(
    private readonly secret: string,
    private readonly expiresIn: string,
  ) {}

  issue(user: AuthUser): { token: string; expiresIn: number } {
    const token = jwt.sign({ sub: String(user.id), username: user.username, role: user.role }, this.secret, {
      algorithm: ALGORITHM,
      expiresIn: this.expiresIn as jwt.SignOptions['expiresIn'],
    });
    const decoded = jwt.decode(token) as { exp: number; iat: number };
    return { token, expiresIn: decoded.exp - decoded.iat };
  }

  verify(token: string): AuthUser {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.secret, { algorithms: [ALGORITHM] });
    } catch (err) {
      const reason = err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token';
      throw new GatewayError('UNAUTHORIZED', reason, undefined, { cause: err });
    }
    if (typeof payload === 'string' || !payload.sub || typeof payload['username'] !== 'string') {
      throw new GatewayError('UNAUTHORIZED', 'invalid token');
    }
    const role = payload['role'] === 'admin' ? 'admin' : 'user';
    return { id: Number(payload.sub), username: payload['username'], role };
  }
}
