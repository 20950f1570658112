import type { Expect } from './voice-menu.ts';

/** One VoiceXML 2.1 document per step of the call. */
export interface VxmlStep {
  lang: 'ru' | 'en';
  /** Each prompt: the audio URL of its synthesised file (null when none) and its text, spoken by the browser's TTS as fallback. */
  prompts: { src: string | null; text: string }[];
  expect: Expect;
  /** The sealed call state the next request carries. */
  token: string;
  /** Where the next step is fetched (the gateway's own path). */
  action: string;
  digitTimeoutSeconds: number;
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A JavaScript string literal for an `expr` attribute (ECMAScript inside VoiceXML). */
function jsString(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function prompt(step: VxmlStep, indent: string): string {
  if (step.prompts.length === 0) return '';
  const audio = step.prompts.map((p) => (p.src ? `<audio src="${xmlEscape(p.src)}">${xmlEscape(p.text)}</audio>` : xmlEscape(p.text)));
  return `${indent}<prompt bargein="true">${audio.join(' ')}</prompt>\n`;
}

function submitEvent(step: VxmlStep, ev: string, indent: string): string {
  return `${indent}<assign name="ev" expr="${xmlEscape(jsString(ev))}"/>\n${indent}<submit next="${xmlEscape(step.action)}" method="post" namelist="t ev"/>\n`;
}

/**
 * The document: `<menu>` with a `<choice>` per key for a menu, `<field>` with a DTMF grammar for a
 * number the caller types, a `<block>` that speaks and disconnects at the end. No input and a key
 * that is not on offer are sent back as events, so the state machine counts them the same way as
 * over FastAGI; a hang-up is reported with a last submit.
 */
export function renderVxml(step: VxmlStep): string {
  const lang = step.lang === 'ru' ? 'ru-RU' : 'en-US';
  const head = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xml:lang="${lang}">`,
    `  <var name="t" expr="${xmlEscape(jsString(step.token))}"/>`,
    `  <var name="ev" expr="''"/>`,
    '  <catch event="connection.disconnect.hangup">',
    submitEvent(step, 'hangup', '    ').trimEnd(),
    '  </catch>',
  ].join('\n');
  let body: string;
  const e = step.expect;
  if (e.kind === 'end') {
    body = `  <form id="step">\n    <block>\n${prompt(step, '      ')}      <disconnect/>\n    </block>\n  </form>`;
  } else if (e.kind === 'key') {
    const sep = step.action.includes('?') ? '&' : '?';
    const choices = [...e.keys]
      .map((k) => `    <choice dtmf="${xmlEscape(k)}" next="${xmlEscape(`${step.action}${sep}t=${encodeURIComponent(step.token)}&d=${encodeURIComponent(k)}`)}"/>\n`)
      .join('');
    body =
      `  <menu id="step" dtmf="false">\n    <property name="timeout" value="${step.digitTimeoutSeconds}s"/>\n${prompt(step, '    ')}${choices}` +
      `    <noinput>\n${submitEvent(step, 'noinput', '      ')}    </noinput>\n    <nomatch>\n${submitEvent(step, 'nomatch', '      ')}    </nomatch>\n  </menu>`;
  } else {
    const keys = [...'0123456789*'].map((k) => `<item>${k}</item>`).join('');
    body =
      `  <form id="step">\n    <property name="timeout" value="${step.digitTimeoutSeconds}s"/>\n    <property name="termchar" value="#"/>\n    <field name="d">\n${prompt(step, '      ')}` +
      `      <grammar mode="dtmf" version="1.0" root="keys">\n        <rule id="keys" scope="public">\n          <item repeat="1-${e.max}"><one-of>${keys}</one-of></item>\n        </rule>\n      </grammar>\n` +
      `      <noinput>\n${submitEvent(step, 'noinput', '        ')}      </noinput>\n      <nomatch>\n${submitEvent(step, 'nomatch', '        ')}      </nomatch>\n` +
      `      <filled>\n        <submit next="${xmlEscape(step.action)}" method="post" namelist="t d"/>\n      </filled>\n    </field>\n  </form>`;
  }
  return `${head}\n${body}\n</vxml>\n`;
}
