import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TIMEOUT_MS, readVxml, timeDesignation } from '../../src/channels/phone/vxml-read.ts';

test('VoiceXML time designations: seconds, fractions, milliseconds; anything else is not one', () => {
  assert.equal(timeDesignation('5s'), 5000);
  assert.equal(timeDesignation('2.5s'), 2500);
  assert.equal(timeDesignation(' 750ms '), 750);
  for (const bad of [undefined, '', '5', 's', '-1s', '5 min', '1e3ms', '700s']) assert.equal(timeDesignation(bad), null, String(bad));
});

const menu = (inMenu: string, atTop: string) => `<?xml version="1.0"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">${atTop}
  <menu id="step" dtmf="false">${inMenu}
    <prompt>Нажмите 1</prompt>
    <choice dtmf="1" next="/a"/>
  </menu>
</vxml>`;

test("a page's timeout: the menu's own property, else the document's, else the platform default; none once the call has ended", () => {
  assert.equal(readVxml(menu('<property name="timeout" value="3s"/>', '<property name="timeout" value="9s"/>')).timeoutMs, 3000);
  assert.equal(readVxml(menu('', '<property name="timeout" value="9s"/>')).timeoutMs, 9000);
  assert.equal(readVxml(menu('<property name="timeout" value="soon"/>', '')).timeoutMs, DEFAULT_TIMEOUT_MS);
  assert.equal(readVxml(menu('', '')).timeoutMs, DEFAULT_TIMEOUT_MS);
  const bye = `<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><property name="timeout" value="3s"/><form><block><prompt>До свидания</prompt><disconnect/></block></form></vxml>`;
  assert.equal(readVxml(bye).timeoutMs, null);
});
