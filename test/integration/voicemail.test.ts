import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { DiversionChange } from '../../src/domain/voicemail/diversion-port.ts';
import { pushDiversions } from '../../src/domain/voicemail/mailbox.ts';
import { purgeOldVoicemail } from '../../src/domain/voicemail/messages.ts';
import { readWav } from '../../src/domain/voicemail/wav.ts';
import { AgiPeer, type PeerOptions, type Recording } from '../helpers/agi-peer.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { voiceEnv, type VoiceEnv } from '../helpers/voice-env.ts';
import { toneWav } from '../helpers/wav.ts';

const ru = voiceTexts.ru;
const en = voiceTexts.en;
let v: VoiceEnv;
type Sub = Awaited<ReturnType<typeof makeSubscriber>> & { auth: Record<string, string> };

before(async () => {
  v = await voiceEnv();
});
after(async () => {
  await v.close();
});

async function subscriber(opts: { language?: 'ru' | 'en' } = {}): Promise<Sub> {
  const s = await makeSubscriber(v.core);
  if (opts.language) await v.core.db.query('UPDATE subscriber SET language = $2 WHERE id = $1', [s.subscriberId, opts.language]);
  const { token } = await createSession(v.core.db, v.core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'app', method: 'test' });
  return { ...s, auth: { authorization: `Bearer ${token}` } };
}

async function api(s: Sub, method: 'GET' | 'PATCH' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return v.app.inject({ method, url: `/api/v1/subscribers/${url}`, headers: s.auth, ...(payload ? { payload } : {}) });
}

let calls = 0;
/** A call diverted to voicemail: Asterisk runs AGI(agi://…/voicemail) with the call's variables. */
async function divertedCall(vars: Record<string, string>, recording: Recording | null, opts: PeerOptions = {}) {
  calls += 1;
  const peer = await AgiPeer.dial(v.agiPort, { agi_network_script: 'voicemail', agi_request: `agi://127.0.0.1:${v.agiPort}/voicemail`, agi_extension: '0600', agi_uniqueid: `vm.${calls}`, ...vars }, opts);
  if (recording) peer.willRecord(recording);
  const turn = await peer.turn();
  await peer.closedByServer();
  const said = turn.files.map((f) => (f.startsWith(v.spool.dir) ? `file:${f}` : v.speech.textOf(f)));
  return { turn, said, peer };
}

async function smsTo(msisdn: string) {
  return v.core.db.query<{ text: string; status: string }>("SELECT text, status FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [msisdn]);
}

test('a diverted call hears the greeting, leaves a message recorded by RECORD FILE; the owner gets an SMS, lists it in the app API and plays its audio; nobody else can', async () => {
  const owner = await subscriber();
  const caller = await subscriber();
  assert.equal((await api(owner, 'PATCH', 'me/voicemail', { enabled: true })).statusCode, 200);
  const spoken = toneWav({ seconds: 3 });
  const { turn, said, peer } = await divertedCall({ agi_rdnis: owner.msisdn, agi_callerid: `"Иван" <${caller.msisdn}>` }, { audio: spoken, end: 'silence' });
  assert.deepEqual(said, [ru.vmGreeting, ru.vmSaved]);
  assert.equal(turn.commands.at(-1), 'HANGUP');
  // RECORD FILE into the spool Asterisk shares, as WAV, # ends it, the longest message and the silence that ends one.
  assert.equal(peer.records.length, 1);
  const rec = peer.records[0]!;
  assert.ok(rec.file.startsWith(`${v.spool.agiDir}/incoming/`), rec.file);
  assert.deepEqual({ format: rec.format, escape: rec.escape, timeoutMs: rec.timeoutMs, beep: rec.beep, silence: rec.silence }, { format: 'wav', escape: '#', timeoutMs: 120_000, beep: true, silence: 5 });
  assert.equal(existsSync(`${rec.file}.wav`), false, 'the spool file is taken and removed');

  const sms = await smsTo(owner.msisdn);
  assert.equal(sms.length, 1);
  assert.match(sms[0]!.text, new RegExp(`^Новое голосовое сообщение от ${caller.msisdn}, .+, 3\\sсекунды\\. Прослушать — в приложении или по звонку на 111, клавиша 5\\.$`));
  assert.equal(sms[0]!.status, 'queued');

  const list = await api(owner, 'GET', 'me/voicemail');
  assert.equal(list.statusCode, 200);
  const body = list.json<{ messages: { id: number; caller: string; durationMs: number; heard: boolean }[]; voicemailNumber: string }>();
  assert.equal(body.voicemailNumber, '0600');
  assert.equal(body.messages.length, 1);
  const m = body.messages[0]!;
  assert.deepEqual({ caller: m.caller, durationMs: m.durationMs, heard: m.heard }, { caller: caller.msisdn, durationMs: 3000, heard: false });

  const audio = await api(owner, 'GET', `me/voicemail/messages/${m.id}/audio`);
  assert.equal(audio.statusCode, 200);
  assert.equal(audio.headers['content-type'], 'audio/wav');
  assert.match(String(audio.headers['cache-control']), /private/);
  assert.ok(audio.rawPayload.equals(spoken), 'the audio is what the caller said');

  // Another subscriber: the owner's number is not found, and the message id under their own number is not theirs.
  assert.equal((await api(caller, 'GET', `${owner.msisdn}/voicemail/messages/${m.id}/audio`)).statusCode, 404);
  const other = await api(caller, 'GET', `me/voicemail/messages/${m.id}/audio`);
  assert.equal(other.statusCode, 404);
  assert.equal(other.json<{ code: string }>().code, 'NOT_FOUND');
  assert.equal((await api(caller, 'DELETE', `me/voicemail/messages/${m.id}`)).statusCode, 404);
  assert.equal((await v.app.inject({ url: `/api/v1/subscribers/${owner.msisdn}/voicemail/messages/${m.id}/audio` })).statusCode, 401);

  // Heard, then deleted: the row and its audio are gone.
  assert.equal((await api(owner, 'POST', `me/voicemail/messages/${m.id}/heard`, {})).json<{ heard: boolean }>().heard, true);
  assert.equal((await api(owner, 'DELETE', `me/voicemail/messages/${m.id}`)).statusCode, 200);
  assert.equal((await api(owner, 'GET', `me/voicemail/messages/${m.id}/audio`)).statusCode, 404);
  assert.deepEqual(await v.core.db.query('SELECT id FROM voicemail_message WHERE subscriber_id = $1', [owner.subscriberId]), []);
});

test('the diverting number from the SIP Diversion header; a caller who hangs up mid-message still leaves it; a withheld caller is said so', async () => {
  const owner = await subscriber();
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true });
  const { said, turn } = await divertedCall(
    { agi_callerid: 'anonymous', agi_rdnis: 'unknown' },
    { audio: toneWav({ seconds: 2 }), end: 'hangup' },
    { variables: { '${SIP_HEADER(Diversion)}': `<sip:+${owner.msisdn}@ims.example>;reason=no-answer;counter=1` } },
  );
  assert.deepEqual(said, [ru.vmGreeting], 'nothing is said to a caller gone');
  assert.ok(turn.commands.includes('GET FULL VARIABLE ${REDIRECTING(from-num)}'));
  const rows = await v.core.db.query<{ caller: string | null; duration_ms: number }>('SELECT caller, duration_ms FROM voicemail_message WHERE subscriber_id = $1', [owner.subscriberId]);
  assert.deepEqual(rows, [{ caller: null, duration_ms: 2000 }]);
  assert.match((await smsTo(owner.msisdn))[0]!.text, /от скрытого номера/);
});

test('an unknown diverting number and a mailbox that is off are told, hung up and logged; nothing is recorded; a hang-up at the beep keeps nothing', async () => {
  const unknown = await divertedCall({ agi_arg_1: '79990000000', agi_callerid: '79001112233' }, null);
  assert.deepEqual(unknown.said, [ru.vmUnknown]);
  assert.equal(unknown.peer.records.length, 0);
  assert.equal(unknown.turn.commands.at(-1), 'HANGUP');

  const off = await subscriber({ language: 'en' });
  const offCall = await divertedCall({ agi_arg_1: off.msisdn, agi_callerid: '79001112233' }, null);
  assert.deepEqual(offCall.said, [en.vmOff], "in the owner's language");
  assert.equal(offCall.peer.records.length, 0);

  const owner = await subscriber();
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true });
  const empty = await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112233' }, { audio: toneWav({ seconds: 0.2 }), end: 'hangup' });
  assert.deepEqual(empty.said, [ru.vmGreeting]);
  assert.deepEqual(await v.core.db.query('SELECT id FROM voicemail_message WHERE subscriber_id = $1', [owner.subscriberId]), []);
  assert.deepEqual(await smsTo(owner.msisdn), []);
  assert.deepEqual(readdirSync(join(v.spool.dir, 'incoming')), [], 'the spool is left empty');
});

test('greetings: a text is read by the synthesiser; an uploaded WAV is converted to 8 kHz mono and played from the spool; bad uploads are refused in words', async () => {
  const owner = await subscriber();
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true });
  const text = 'Здравствуйте, это Анна. Оставьте сообщение.';
  assert.equal((await api(owner, 'PUT', 'me/voicemail/greeting', { kind: 'text', text })).statusCode, 200);
  const spoken = await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112233' }, { audio: toneWav({ seconds: 1 }), end: 'key' });
  assert.deepEqual(spoken.said, [text, ru.vmSaved]);

  const upload = toneWav({ seconds: 2, rate: 44_100, channels: 2, hz: 523 });
  const put = await api(owner, 'PUT', 'me/voicemail/greeting/recording', { wav: upload.toString('base64') });
  assert.equal(put.statusCode, 200, put.body);
  const stored = (await api(owner, 'GET', 'me/voicemail/greeting/audio')).rawPayload;
  const w = readWav(stored);
  assert.deepEqual({ rate: w?.sampleRate, channels: w?.channels, bits: w?.bitsPerSample }, { rate: 8000, channels: 1, bits: 16 });
  assert.ok(Math.abs(w!.durationMs - 2000) < 50, String(w?.durationMs));
  const played = await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112233' }, { audio: toneWav({ seconds: 1 }), end: 'key' });
  const file = played.said[0]!.replace(/^file:/, '');
  assert.ok(file.startsWith(join(v.spool.dir, 'greetings')), played.said.join(' | '));
  assert.ok(readFileSync(`${file}.wav`).equals(stored), 'Asterisk plays the recording the owner uploaded');

  const garbage = await api(owner, 'PUT', 'me/voicemail/greeting/recording', { wav: Buffer.from('not a wav at all').toString('base64') });
  assert.equal(garbage.statusCode, 422);
  assert.deepEqual([garbage.json<{ code: string }>().code, garbage.json<{ title: string }>().title], ['VOICEMAIL_AUDIO', 'Не удалось прочитать запись: загрузите звуковой файл WAV']);
  const long = await v.app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/voicemail/greeting/recording', headers: { ...owner.auth, 'accept-language': 'en' }, payload: { wav: toneWav({ seconds: 61 }).toString('base64') } });
  assert.equal(long.statusCode, 422);
  assert.equal(long.json<{ title: string }>().title, 'The greeting must be 60 seconds long at most');
  const seconds = await api(owner, 'PATCH', 'me/voicemail', { noAnswerSeconds: 45 });
  assert.equal(seconds.statusCode, 422);
  assert.equal(seconds.json<{ title: string }>().title, 'Время ожидания ответа — от 5 до 30 секунд');
});

test('retention: messages older than VOICEMAIL_RETENTION_DAYS are removed with their audio, newer ones stay', async () => {
  const owner = await subscriber();
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true });
  await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112233' }, { audio: toneWav({ seconds: 1 }), end: 'key' });
  await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112244' }, { audio: toneWav({ seconds: 1 }), end: 'key' });
  const [old] = await v.core.db.query<{ id: number }>('SELECT id FROM voicemail_message WHERE subscriber_id = $1 ORDER BY id LIMIT 1', [owner.subscriberId]);
  const days = v.core.settings.voicemailRetentionDays;
  await v.core.db.query('UPDATE voicemail_message SET received_at = $2 WHERE id = $1', [old!.id, new Date(v.core.clock.now().getTime() - (days + 1) * 86_400_000)]);
  const removed = await purgeOldVoicemail(v.core, { now: v.core.clock.now() });
  assert.ok(removed >= 1);
  const left = await v.core.db.query<{ caller: string }>('SELECT caller FROM voicemail_message WHERE subscriber_id = $1', [owner.subscriberId]);
  assert.deepEqual(left, [{ caller: '79001112244' }]);
  assert.equal(await purgeOldVoicemail(v.core, { now: v.core.clock.now() }), 0, 'a second run finds nothing');
});

test('the network port is told each settings change once: the same settings again tell nothing; a change the network refused is told by the job, once', async () => {
  const owner = await subscriber();
  const pushes = () => v.core.db.query<{ version: number; settings: Record<string, unknown> }>('SELECT version, settings FROM voicemail_network_push WHERE msisdn = $1 ORDER BY version', [owner.msisdn]);
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true, noAnswerSeconds: 15 });
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true, noAnswerSeconds: 15 });
  await api(owner, 'PATCH', 'me/voicemail', { always: true });
  const told = await pushes();
  assert.deepEqual(told.map((p) => p.version), [1, 2]);
  assert.deepEqual(told[1]!.settings, { enabled: true, busy: true, noAnswer: true, noAnswerSeconds: 15, unreachable: true, always: true, divertTo: '0600' });

  // The network refuses once: the change waits and the job tells it, once.
  const port = v.core.diversions;
  const seen: DiversionChange[] = [];
  v.core.diversions = {
    apply: async (c, q) => {
      seen.push(c);
      if (seen.length === 1) throw new Error('HLR timeout');
      await port.apply(c, q);
    },
  };
  try {
    const res = await api(owner, 'PATCH', 'me/voicemail', { enabled: false });
    assert.equal(res.statusCode, 200, 'the subscriber’s change is kept');
    assert.deepEqual((await pushes()).map((p) => p.version), [1, 2]);
    assert.equal(await pushDiversions(v.core), 1);
    assert.equal(await pushDiversions(v.core), 0);
    assert.deepEqual((await pushes()).map((p) => p.version), [1, 2, 3]);
    assert.deepEqual(seen.map((c) => c.version), [3, 3]);
  } finally {
    v.core.diversions = port;
  }
});

test('111, key 5: new messages are counted and played (the recording itself, over FastAGI and VoiceXML); 7 deletes one, 1 marks it heard and plays the next', async () => {
  const owner = await subscriber();
  await api(owner, 'PATCH', 'me/voicemail', { enabled: true });
  const first = toneWav({ seconds: 1, hz: 400 });
  const second = toneWav({ seconds: 1.5, hz: 800 });
  await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: '79001112233' }, { audio: first, end: 'key' });
  await divertedCall({ agi_arg_1: owner.msisdn, agi_callerid: 'anonymous' }, { audio: second, end: 'key' });
  const ids = (await v.core.db.query<{ id: number }>('SELECT id FROM voicemail_message WHERE subscriber_id = $1 ORDER BY id', [owner.subscriberId])).map((r) => Number(r.id));

  // VoiceXML: the page for key 5 names the first message's recording at an address only it carries.
  const main = await v.app.inject({ url: `/gateways/voice/vxml?caller=${owner.msisdn}` });
  const next = /<choice dtmf="5" next="([^"]+)"/.exec(main.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(next, 'the main menu offers key 5');
  const page = await v.app.inject({ url: next });
  const src = /<audio src="(\/gateways\/voice\/voicemail\/[^"]+)">/.exec(page.body)?.[1];
  assert.ok(src, page.body);
  const heard = await v.app.inject({ url: src });
  assert.equal(heard.statusCode, 200);
  assert.ok(heard.rawPayload.equals(first), 'the oldest new message first');
  assert.equal((await v.app.inject({ url: src.replace(/\/[A-Za-z0-9_-]{32}\.wav$/, `/${'A'.repeat(32)}.wav`) })).statusCode, 404, 'a forged key is refused');
  assert.equal((await v.app.inject({ url: src.replace(`/${ids[0]}/`, `/${ids[1]}/`) })).statusCode, 404, "the key is the message's own");

  // FastAGI: the same menu, the recording played from the spool by Asterisk.
  const peer = await AgiPeer.dial(v.agiPort, { agi_callerid: owner.msisdn, agi_uniqueid: 'vm-111' });
  const text = (files: string[]) => files.map((f) => (f.startsWith(join(v.spool.agiDir, 'playback')) ? 'RECORDING' : v.speech.textOf(f)));
  assert.ok(text((await peer.turn()).files).includes(ru.mainItems[3]!));
  peer.press('5');
  const one = await peer.turn();
  assert.deepEqual(one.missing, [], 'Asterisk could open every file, the recording too');
  const said = text(one.files);
  assert.deepEqual(said.slice(0, 4), [ru.vmCount('два сообщения'), 'Сообщение одно, от номера семь девять ноль ноль один один один два два три три, в двенадцать ноль-ноль.', 'RECORDING', ru.vmKeys]);
  peer.press('7');
  const two = text((await peer.turn()).files);
  assert.deepEqual(two.slice(0, 3), [ru.vmDeleted, 'Сообщение одно, номер скрыт, в двенадцать ноль-ноль.', 'RECORDING']);
  peer.press('1');
  const three = text((await peer.turn()).files);
  assert.equal(three[0], ru.vmEnd);
  peer.hangUp('close');
  await peer.closedByServer();
  const left = await v.core.db.query<{ id: number; heard: boolean }>('SELECT id, heard_at IS NOT NULL AS heard FROM voicemail_message WHERE subscriber_id = $1', [owner.subscriberId]);
  assert.deepEqual(left.map((r) => ({ id: Number(r.id), heard: r.heard })), [{ id: ids[1], heard: true }]);
  assert.deepEqual(readdirSync(join(v.spool.dir, 'playback')), [], 'nothing is left in the spool');
  const audit = await v.core.db.query<{ action: string; channel: string }>("SELECT action, channel FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'voicemail.%' AND channel = 'voice'", [owner.subscriberId]);
  assert.ok(audit.some((a) => a.action === 'voicemail.delete'));
});
