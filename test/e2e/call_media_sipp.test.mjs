// Media with sipp's own RTP instead of node endpoints: a caller playing a
// G.711 A-law pcap through the relay, and an agent phone echoing RTP
// (-rtp_echo) so that the caller hears itself back through both legs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSippAgent, startSipp } from './lib/sipp.mjs';
import { PT_PCMA } from './lib/rtp.mjs';
import {
	Scope, newAgent, agentPhone, dial, recordMatchesLastEvent, assertEndedRecord,
	isRelayAddr, openCallSuite, closeCallSuite,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

test('a caller playing an A-law pcap: the agent receives PCMA through the relay', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 50 } });
		const caller = scope.add(await startSipp('uac_pcap.xml', { remote: d.sipAddr, service: agent.extension,
			keys: { caller: '5551001' }, vars: { talk_ms: 1200 }, label: 'pcap-caller' }));
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.expectOk('(pcap caller)');
		await phone.uas.expectOk('(agent phone)');
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');

		const rx = phone.rtp.rx;
		assert.ok(rx.packets >= 40, phone.rtp.summary());
		assert.deepEqual([...rx.pts], [PT_PCMA], `only the pcap's A-law reached the agent: ${phone.rtp.summary()}`);
		for (const src of Object.keys(rx.bySource))
			assert.ok(isRelayAddr(d, src.split(':')[0], Number(src.split(':')[1])), `from the relay: ${src}`);
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, { direction: 'inbound', from: '5551001', to: agent.extension,
			hangup_cause: 'normal_clearing', hangup_by: 'caller' }, { rang: true, answered: true });
	});
});

test('an agent phone echoing RTP (-rtp_echo): the caller hears its own packets back', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await startSippAgent({ registrar: d.sipAddr, ext: agent.extension, password: agent.password,
			rtpEcho: true, vars: { ring_ms: 50 }, label: `echo-${agent.extension}` });
		scope.add(phone.uas);
		scope.add(phone.reg);
		const caller = await dial(scope, agent.extension, { from: '5551002', vars: { talk_ms: 1200 } });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(echoing agent phone)');
		caller.rtp.stop();
		await watch.wait(id, 'call.ended');

		const rx = caller.rtp.rx;
		assert.ok(rx.packets >= 30, caller.rtp.summary());
		assert.deepEqual([...rx.ssrcs], [caller.rtp.ssrc], `the caller's own stream came back: ${caller.rtp.summary()}`);
		assert.ok(caller.rtp.rxRms > 1000, 'and it is the tone it sent');
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, { direction: 'inbound', from: '5551002', to: agent.extension,
			hangup_cause: 'normal_clearing', hangup_by: 'caller' }, { rang: true, answered: true });
	});
});
