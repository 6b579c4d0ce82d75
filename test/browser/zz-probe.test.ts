import { it } from 'vitest';
import { openDemo, startHarness } from './demo-page.js';
it('probe', async () => {
  const h = await startHarness();
  try {
    for (let k = 0; k < 3; k++) {
      const demo = await openDemo(h, { isolated: true, throttle: 1 });
      demo.page.on('console', (m) => console.log('console:', m.text()));
      await demo.page.click('#src-mic');
      for (let i = 0; i < 5; i++) {
        await demo.page.waitForTimeout(1500);
        const m = await demo.meters();
        console.log(k, i, 'error:', await demo.page.textContent('#error'), 'decoded', m.framesDecoded, 'enc', m.framesEncoded, 'lat', m.latencyMs?.toFixed(0), 'target', m.targetDelayMs.toFixed(0), 'margin', m.marginMs.toFixed(0), JSON.stringify(m.webrtc));
      }
      await demo.page.close();
    }
  } finally { await h.close(); }
}, 300000);
