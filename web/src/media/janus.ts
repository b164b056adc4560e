// A small client for Janus's JSON protocol over the server's proxy (/api/media/janus).
// One WebSocket, one Janus session; handles are plain ids.  Requests resolve with the first
// non-ack answer carrying their transaction; everything else is an event for a handle.

export interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  session_id?: number;
  data?: { id: number };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: RTCSessionDescriptionInit & { e2ee?: boolean };
  error?: { code: number; reason: string };
  [key: string]: unknown;
}

export class JanusError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

type Pending = { resolve: (m: JanusMessage) => void; reject: (e: Error) => void };

export class JanusConnection {
  private ws: WebSocket | null = null;
  private session = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<number, (m: JanusMessage) => void>();
  private keepalive: ReturnType<typeof setInterval> | null = null;
  onclose: (code: number, reason: string) => void = () => undefined;

  constructor(private readonly url: string) {}

  async open(ticket: string): Promise<void> {
    const ws = new WebSocket(this.url, 'janus-protocol');
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ indaba: 'auth', ticket }));
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as { indaba?: string };
        if (message.indaba === 'ready') {
          ws.onmessage = (e) => this.dispatch(JSON.parse(String(e.data)) as JanusMessage);
          resolve();
        }
      };
      ws.onclose = (event) => reject(new JanusError(event.reason || 'media connection closed', event.code));
    });
    ws.onclose = (event) => {
      this.stopKeepalive();
      for (const p of this.pending.values()) p.reject(new JanusError('media connection closed', event.code));
      this.pending.clear();
      this.onclose(event.code, event.reason);
    };
    this.session = (await this.request({ janus: 'create' })).data!.id;
    this.keepalive = setInterval(() => {
      this.request({ janus: 'keepalive', session_id: this.session }).catch(() => undefined);
    }, 25_000);
  }

  private stopKeepalive(): void {
    if (this.keepalive !== null) clearInterval(this.keepalive);
    this.keepalive = null;
  }

  private dispatch(message: JanusMessage): void {
    const pending = message.transaction ? this.pending.get(message.transaction) : undefined;
    if (pending && message.janus !== 'ack') {
      this.pending.delete(message.transaction!);
      if (message.janus === 'error')
        pending.reject(new JanusError(message.error?.reason ?? 'error', message.error?.code ?? 0));
      else {
        const data = message.plugindata?.data;
        if (data && typeof data.error === 'string')
          pending.reject(new JanusError(data.error, Number(data.error_code ?? 0)));
        else pending.resolve(message);
      }
      return;
    }
    if (message.sender !== undefined) this.handlers.get(message.sender)?.(message);
  }

  request(message: Record<string, unknown>): Promise<JanusMessage> {
    const transaction = Math.random().toString(36).slice(2) + Date.now().toString(36);
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new JanusError('media connection closed', 0));
    return new Promise((resolve, reject) => {
      this.pending.set(transaction, { resolve, reject });
      ws.send(JSON.stringify({ ...message, transaction }));
    });
  }

  async attach(onEvent: (m: JanusMessage) => void): Promise<number> {
    const answer = await this.request({ janus: 'attach', session_id: this.session, plugin: 'janus.plugin.videoroom' });
    const handle = answer.data!.id;
    this.handlers.set(handle, onEvent);
    return handle;
  }

  message(handle: number, body: Record<string, unknown>, jsep?: unknown): Promise<JanusMessage> {
    const request: Record<string, unknown> = { janus: 'message', session_id: this.session, handle_id: handle, body };
    if (jsep) request.jsep = jsep;
    return this.request(request);
  }

  async detach(handle: number): Promise<void> {
    this.handlers.delete(handle);
    await this.request({ janus: 'detach', session_id: this.session, handle_id: handle }).catch(() => undefined);
  }

  close(): void {
    this.stopKeepalive();
    this.ws?.close(1000, 'leaving');
    this.ws = null;
  }
}
