import { Loader2, Paperclip, Send, X } from 'lucide-react';
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Button } from '../../components/ui/button';
import { ErrorText } from '../../components/ui/field';
import { Textarea } from '../../components/ui/input';
import { useT } from '../../i18n';
import { api, errorText } from '../../lib/api';
import type { Conversation, StoredMessage } from '../../lib/chat-types';
import { bytes } from '../../lib/format';
import { randomKey } from '../../lib/utils';

/** What POST /api/messages/* answers (the outbox's view of the message). */
interface Accepted {
  readonly id: string;
  readonly status: StoredMessage['status'];
  readonly kind: 'text' | 'image' | 'file';
  readonly content: { message?: string; caption?: string; fileName?: string };
  readonly error: string | null;
  readonly createdAt: string;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png'];
const IMAGE_MAX = 20_000_000;

/** The accepted message as a bubble until its store row arrives over Socket.IO (same id). */
function bubbleOf(accepted: Accepted, chat: Conversation): StoredMessage {
  return {
    id: accepted.id,
    waId: null,
    phoneNumber: chat.phoneNumber,
    chatId: chat.id,
    chatJid: chat.id,
    chatType: chat.type,
    direction: 'out',
    fromMe: true,
    sender: null,
    type: accepted.kind === 'file' ? 'document' : accepted.kind,
    text: accepted.content.message ?? accepted.content.caption ?? accepted.content.fileName ?? null,
    media: null,
    content: {},
    reactions: [],
    status: accepted.status,
    error: accepted.error,
    deleted: null,
    timestamp: accepted.createdAt,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    editedAt: null,
    deletedAt: null,
    source: 'api',
  };
}

/**
 * Text and files into the number's durable outbox. Each draft carries one Idempotency-Key until it is accepted, so
 * a double click or a retry after a lost answer sends it once.
 */
export function Composer({ chat, onSent }: { chat: Conversation; onSent: (message: StoredMessage) => void }) {
  const t = useT();
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const draftKey = useRef(randomKey());
  const sending = useRef(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = async () => {
    const message = text.trim();
    if (sending.current || (!message && !file)) return;
    sending.current = true;
    setBusy(true);
    setError(null);
    const headers = { 'idempotency-key': draftKey.current };
    try {
      let accepted: Accepted;
      if (file) {
        const image = IMAGE_TYPES.includes(file.type) && file.size <= IMAGE_MAX;
        const form = new FormData();
        form.set('from', chat.phoneNumber);
        form.set('to', chat.id);
        if (message) form.set('caption', message);
        form.set(image ? 'image' : 'file', file, file.name);
        accepted = await api<Accepted>('POST', image ? '/messages/send-image' : '/messages/send-file', { body: form, headers });
      } else {
        accepted = await api<Accepted>('POST', '/messages/send', { body: { from: chat.phoneNumber, to: chat.id, message }, headers });
      }
      onSent(bubbleOf(accepted, chat));
      setText('');
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
      draftKey.current = randomKey();
    } catch (err) {
      // The same key stays with the draft: sending it again cannot make a second message.
      setError(errorText(err));
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };
  const changeDraft = (value: string) => {
    setText(value);
    setError(null);
  };

  return (
    <form className="border-t border-slate-200 p-3" onSubmit={onSubmit} data-testid="composer">
      {file && (
        <div className="mb-2 flex items-center gap-2 text-sm" data-testid="composer-file">
          <Paperclip className="size-4" aria-hidden />
          <span className="truncate">{file.name}</span>
          <span className="text-slate-700">({bytes(file.size)})</span>
          <Button variant="ghost" size="icon" className="size-7" onClick={() => setFile(null)} aria-label={t('chat.removeFile', { name: file.name })}>
            <X aria-hidden />
          </Button>
        </div>
      )}
      <div className="flex items-end gap-2">
        <label htmlFor="composer-text" className="sr-only">
          {file ? t('chat.caption') : t('chat.message')}
        </label>
        <Textarea
          id="composer-text"
          rows={2}
          value={text}
          onChange={(e) => changeDraft(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={file ? t('chat.captionPlaceholder') : t('chat.messagePlaceholder')}
          className="min-h-10 resize-y"
          data-testid="composer-text"
        />
        <input
          ref={fileInput}
          id="composer-attach"
          type="file"
          className="sr-only"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setError(null);
          }}
          data-testid="composer-attach"
        />
        <Button asChild variant="secondary" size="icon">
          <label htmlFor="composer-attach" title={t('chat.attach')} className="cursor-pointer">
            <Paperclip aria-hidden />
            <span className="sr-only">{t('chat.attach')}</span>
          </label>
        </Button>
        <Button type="submit" disabled={busy || (!text.trim() && !file)} data-testid="composer-send">
          {busy ? <Loader2 className="animate-spin" aria-hidden /> : <Send aria-hidden />} {t('chat.send')}
        </Button>
      </div>
      {error && (
        <div className="mt-2">
          <ErrorText testId="composer-error">{error}</ErrorText>
        </div>
      )}
    </form>
  );
}
