import WebSocket from 'ws';

/** Engine.IO v4 packet types (first character of a text frame) and Socket.IO packet types (second). */
const OPEN = 0x30; // '0'
const PING = 0x32; // '2'
const MESSAGE = 0x34; // '4'
const CONNECT = 0x30; // '40'
const EVENT = 0x32; // '42'
const CONNECT_ERROR = 0x34; // '44'

/**
 * A Socket.IO client at the protocol level, as cheap as a receiver can be: Engine.IO v4 over a WebSocket (no
 * polling), the handshake with `auth: {token}`, pongs, and every event frame handed over as the raw bytes
 * (`42["name",{…}]`), unparsed. The gateway's side is exactly what it is for `socket.io-client`; only the
 * receiving end is lighter, so 50 of them can take tens of thousands of messages per second on the same machine.
 */
export class LeanSocketIo {
  connected = false;
  error: string | null = null;
  private readonly ws: WebSocket;

  constructor(url: string, token: string, onEvent: (frame: Buffer) => void) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const engine = data[0];
      if (engine === MESSAGE) {
        const packet = data[1];
        if (packet === EVENT) onEvent(data);
        else if (packet === CONNECT) this.connected = true;
        else if (packet === CONNECT_ERROR) {
          this.error = data.toString('utf8', 2);
          this.ws.close();
        }
      } else if (engine === PING) this.ws.send('3');
      else if (engine === OPEN) this.ws.send(`40${JSON.stringify({ token })}`);
    });
    this.ws.on('error', (err) => (this.error = err.message));
    this.ws.on('close', () => (this.connected = false));
  }

  close(): void {
    this.ws.terminate();
  }
}

const EVENT_NAME = '42["whatsapp-websocket-message",';
const TYPE_KEY = Buffer.from('"message":{"type":"');

export type FrameKind = 'ack' | 'message' | 'other';

/** Which kind of `whatsapp-websocket-message` a frame is, read from its first bytes (the type is the first key). */
export function frameKind(frame: Buffer): FrameKind {
  if (frame.toString('latin1', 0, EVENT_NAME.length) !== EVENT_NAME) return 'other';
  const at = frame.indexOf(TYPE_KEY, EVENT_NAME.length);
  if (at < 0) return 'other';
  const first = frame[at + TYPE_KEY.length];
  const word = frame.toString('latin1', at + TYPE_KEY.length, at + TYPE_KEY.length + 8);
  if (first === 0x61 && word.startsWith('ack"')) return 'ack';
  if (first === 0x6d && word.startsWith('message"')) return 'message';
  return 'other';
}

/**
 * The envelope's `timestamp` (the instant the gateway recorded the event), which the server writes last:
 * `…,"timestamp":"2026-11-22T01:51:00.123Z"}]`. NaN when the frame does not end that way.
 */
export function frameTimestamp(frame: Buffer): number {
  const n = frame.length;
  if (n < 40 || frame[n - 1] !== 0x5d || frame[n - 2] !== 0x7d || frame[n - 3] !== 0x22 || frame[n - 28] !== 0x22) return NaN;
  if (frame.toString('latin1', n - 41, n - 27) !== ',"timestamp":"') return NaN;
  return Date.parse(frame.toString('latin1', n - 27, n - 3));
}
