import { Download, ImageOff, Loader2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '../../components/ui/button';
import { useToast } from '../../components/ui/toaster';
import { useT } from '../../i18n';
import { apiBlob, errorText, saveBlob } from '../../lib/api';
import type { StoredMessage } from '../../lib/chat-types';
import { bytes } from '../../lib/format';

/** `/api/messages/{id}/media` below the API base (the view's `url` names the full path). */
const mediaPath = (id: string) => `/messages/${encodeURIComponent(id)}/media`;

/**
 * An image fetched with the Authorization header into a `blob:` URL (the page's CSP allows `img-src blob:` for
 * this alone), released when it leaves the page; a token never goes in an image URL.
 */
function BlobImage({ message, alt }: { message: StoredMessage; alt: string }) {
  const t = useT();
  const [state, setState] = useState<{ url: string } | { error: string } | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let url: string | null = null;
    apiBlob(mediaPath(message.id), { signal: abort.signal }).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        setState({ url });
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setState({ error: errorText(err) });
      },
    );
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [message.id]);
  if (state === null) return <Loader2 className="size-5 animate-spin text-slate-600" aria-label={t('common.loading')} />;
  if ('error' in state)
    return (
      <span className="flex items-center gap-1 text-xs text-red-800" data-testid="media-error">
        <ImageOff className="size-4" aria-hidden /> {state.error}
      </span>
    );
  return <img src={state.url} alt={alt} className="max-h-72 max-w-full rounded-md" data-testid="media-image" />;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
};

/**
 * The file's own name when WhatsApp told it (a document's, with auto-download off or from history), else the kind
 * and the message id with an extension from its type, so the saved file still opens with the right program.
 */
function downloadName(message: StoredMessage, media: NonNullable<StoredMessage['media']>): string {
  if (media.fileName) return media.fileName;
  const ext = EXTENSIONS[(media.mime ?? '').split(';')[0]?.trim() ?? ''];
  return `${media.kind}-${message.id}${ext ? `.${ext}` : ''}`;
}

function DownloadButton({ message }: { message: StoredMessage }) {
  const t = useT();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const media = message.media;
  if (!media) return null;
  const name = downloadName(message, media);
  const download = async () => {
    setBusy(true);
    try {
      saveBlob(await apiBlob(mediaPath(message.id)), name);
    } catch (err) {
      toast.error(t('chat.downloadFailed', { error: errorText(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button variant="secondary" size="sm" onClick={() => void download()} disabled={busy} data-testid="media-download">
      {busy ? <Loader2 className="animate-spin" aria-hidden /> : <Download aria-hidden />}
      <span className="max-w-52 truncate">{t('chat.download', { name })}</span>
      {media.size !== null && <span className="text-slate-600">({bytes(media.size)})</span>}
    </Button>
  );
}

/** Images inline; every other kind of file as a download. */
export function MessageMedia({ message }: { message: StoredMessage }) {
  const t = useT();
  if (!message.media || message.deleted) return null;
  if (message.type === 'image' || message.type === 'sticker') {
    return (
      <div className="flex flex-col items-start gap-1">
        <BlobImage message={message} alt={message.text ?? message.media.fileName ?? t(`chat.kind.${message.type}`)} />
        <DownloadButton message={message} />
      </div>
    );
  }
  return <DownloadButton message={message} />;
}
