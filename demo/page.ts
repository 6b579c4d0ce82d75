// What both pages (the loopback demo and the call) do alike: find elements, say what went
// wrong, and load the weights with a progress bar (or say how to make them).

import type { Model } from '../src/model/load.js';
import { loadModelFromUrl } from '../src/model/load-url.js';
import type { SoundstreamEncoderNode } from '../src/web/nodes.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function showError(message: string): void {
  const el = $('error');
  el.hidden = false;
  el.textContent = message;
}

function missingWeights(): void {
  const el = $('missing');
  el.hidden = false;
  el.innerHTML =
    '<b>The Lyra v2 weights are missing.</b> The server looks for them in <code>weights/lyra-v2/</code> ' +
    '(manifest.json + model.bin), made at set-up and never committed. Make them from the repository root with ' +
    '<code>npx soundstream import-tflite ../shared/lyra-v2</code> (from the three .tflite files) or ' +
    '<code>npx soundstream fetch-weights lyra-v2</code> (downloads them from google/lyra), then reload.';
  $('loading').hidden = true;
}

export async function loadModels(): Promise<{ codec: Model; denoiser: Model | null }> {
  const progress = $<HTMLProgressElement>('progress');
  const text = $('load-text');
  const show =
    (label: string) =>
    ({ loaded, total }: { loaded: number; total: number }) => {
      progress.value = loaded / total;
      text.textContent = `${label}: ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
    };
  const manifest = await fetch('weights/lyra-v2/manifest.json', { method: 'HEAD' });
  if (!manifest.ok) {
    missingWeights();
    throw new Error('weights missing');
  }
  const codec = await loadModelFromUrl('weights/lyra-v2/', { onProgress: show('Lyra v2 weights') });
  let denoiser: Model | null = null;
  try {
    denoiser = await loadModelFromUrl('weights/lyra-v2-denoise/', { onProgress: show('denoiser weights') });
  } catch {
    text.textContent = 'denoiser weights not found: denoising is off';
  }
  return { codec, denoiser };
}

/** The microphone as a source node, without the browser's voice processing (the codec gets the raw signal). */
export async function openMicrophone(context: AudioContext): Promise<{ node: AudioNode; stop: () => void }> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  return {
    node: context.createMediaStreamSource(stream),
    stop: () => {
      for (const t of stream.getTracks()) t.stop();
    },
  };
}

/**
 * The DTX and redundancy controls (#dtx, #redundancy) and their apply button (#payload-apply):
 * shown as the encoder runs, and applied by reloading the page with them (and `extra`) in its
 * address, since the nodes take them when they are made.
 */
export function payloadControls(
  encoder: SoundstreamEncoderNode,
  params: URLSearchParams,
  extra: () => Record<string, string> = () => ({}),
): void {
  const dtxBox = $<HTMLInputElement>('dtx');
  const redundancySelect = $<HTMLSelectElement>('redundancy');
  dtxBox.checked = encoder.dtx;
  redundancySelect.value = String(encoder.redundancy ? encoder.redundancy.quantizers : 0);
  $('payload-apply').onclick = () => {
    const next = new URLSearchParams(params);
    next.set('format', 'soundstream');
    next.set('bitrate', String(encoder.bitrate));
    next.set('dtx', dtxBox.checked ? '1' : '0');
    next.set('redundancy', redundancySelect.value);
    for (const [key, value] of Object.entries(extra())) next.set(key, value);
    location.search = `?${next}`;
  };
}
