// The benchmark page (bench/media_bench.py): a publisher and N subscribers in one VideoRoom.
(async ({url, token, room, subscribers, encrypt}) => {
  const workerSrc = `
    let key = null;
    const ready = crypto.subtle.importKey('raw', new Uint8Array(16).fill(7), 'AES-GCM', false, ['encrypt','decrypt']).then(k => key = k);
    let ctr = 0;
    function stream(readable, writable, op) {
      readable.pipeThrough(new TransformStream({async transform(frame, c) {
        await ready;
        const data = new Uint8Array(frame.data);
        const clear = 3;
        if (op === 'encrypt') {
          const iv = new Uint8Array(12); new DataView(iv.buffer).setUint32(8, ++ctr);
          const sealed = new Uint8Array(await crypto.subtle.encrypt({name:'AES-GCM', iv, additionalData: data.subarray(0, clear)}, key, data.subarray(clear)));
          const out = new Uint8Array(clear + 12 + sealed.length);
          out.set(data.subarray(0, clear)); out.set(iv, clear); out.set(sealed, clear + 12);
          frame.data = out.buffer; c.enqueue(frame);
        } else {
          try {
            const iv = data.subarray(clear, clear + 12);
            const plain = new Uint8Array(await crypto.subtle.decrypt({name:'AES-GCM', iv, additionalData: data.subarray(0, clear)}, key, data.subarray(clear + 12)));
            const out = new Uint8Array(clear + plain.length); out.set(data.subarray(0, clear)); out.set(plain, clear);
            frame.data = out.buffer; c.enqueue(frame);
          } catch (e) {}
        }
      }})).pipeTo(writable);
    }
    onrtctransform = (e) => stream(e.transformer.readable, e.transformer.writable, e.transformer.options.op);
  `;
  const worker = encrypt ? new Worker(URL.createObjectURL(new Blob([workerSrc], {type: 'text/javascript'}))) : null;
  const ws = new WebSocket(url, 'janus-protocol');
  await new Promise(r => ws.onopen = r);
  const pending = new Map(); const events = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.transaction && pending.has(m.transaction) && m.janus !== 'ack') { pending.get(m.transaction)(m); pending.delete(m.transaction); return; }
    if (m.sender && events.has(m.sender)) events.get(m.sender)(m);
  };
  const req = (m) => new Promise(r => { const t = Math.random().toString(36).slice(2); pending.set(t, r); ws.send(JSON.stringify({...m, transaction: t, token})); });
  const session = (await req({janus: 'create'})).data.id;
  setInterval(() => req({janus: 'keepalive', session_id: session}), 20000);
  const attach = async () => (await req({janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom'})).data.id;
  const msg = (h, body, jsep) => req({janus: 'message', session_id: session, handle_id: h, body: {...body, token}, ...(jsep ? {jsep} : {})});
  const gathered = (pc) => new Promise(r => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
  const jsepOf = (h, m) => m.jsep ? Promise.resolve(m.jsep) : new Promise(r => events.set(h, (e) => e.jsep && r(e.jsep)));
  // publisher
  const ph = await attach();
  const joined = await msg(ph, {request: 'join', ptype: 'publisher', room});
  const privateId = joined.plugindata.data.private_id;
  const feed = joined.plugindata.data.id;
  const media = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 640, height: 360}});
  const pub = new RTCPeerConnection();
  for (const track of media.getTracks()) {
    const t = pub.addTransceiver(track, {direction: 'sendonly'});
    if (worker) t.sender.transform = new RTCRtpScriptTransform(worker, {op: 'encrypt'});
  }
  await pub.setLocalDescription(await pub.createOffer()); await gathered(pub);
  const pubAnswer = await msg(ph, {request: 'configure', audio: true, video: true}, {type: 'offer', sdp: pub.localDescription.sdp, e2ee: encrypt});
  await pub.setRemoteDescription(await jsepOf(ph, pubAnswer));
  const subs = [];
  const start = performance.now();
  await Promise.all(Array.from({length: subscribers}, async () => {
    const h = await attach();
    const t0 = performance.now();
    const pc = new RTCPeerConnection();
    pc.ontrack = (e) => { if (worker) e.receiver.transform = new RTCRtpScriptTransform(worker, {op: 'decrypt'}); };
    let j;
    for (let attempt = 0; attempt < 100; attempt++) {
      // The feed exists once the publisher's media is set up.
      j = await msg(h, {request: 'join', ptype: 'subscriber', room, private_id: privateId, streams: [{feed}]});
      if (j.plugindata?.data?.error_code !== 428) break;
      await new Promise(r => setTimeout(r, 100));
    }
    await pc.setRemoteDescription(await jsepOf(h, j));
    await pc.setLocalDescription(await pc.createAnswer()); await gathered(pc);
    await msg(h, {request: 'start'}, {type: 'answer', sdp: pc.localDescription.sdp});
    subs.push({pc, t0});
  }));
  window.benchSubs = subs;
  window.firstFrame = async () => {
    const out = [];
    for (const s of subs) {
      const stats = await s.pc.getStats(); let frames = 0;
      stats.forEach(x => { if (x.type === 'inbound-rtp' && x.kind === 'video') frames = x.framesDecoded || 0; });
      out.push(frames);
    }
    return out;
  };
  return start;
})
