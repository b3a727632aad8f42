import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBigMail, writeBigMail } from '../bench/big-mail';
import { build } from '../support/cdk-stack';

jest.setTimeout(180_000);

/**
 * SES accepts inbound mail up to 40 MB. A fresh process runs the inbound use case on a ~40 MB mail
 * with four attachments (the raw mail read through the real S3 adapter, attachments over the forward
 * limit written and linked through the real S3 attachment store) and reports its peak RSS, which
 * must fit the memory the stack gives the inbound function.
 */
describe('a 40 MB mail', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'triage-40mb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is processed within the inbound function's configured memory", async () => {
    const file = join(dir, 'big.eml');
    const bytes = await writeBigMail(file);
    expect(bytes).toBeGreaterThan(39 * 1000 * 1000);
    const result = measureBigMail(file);

    const { stack, template } = build();
    const inbound =
      template.toJSON().Resources[stack.getLogicalId(stack.inboundFunction.fn.node.defaultChild as never)];
    const memoryMiB = inbound.Properties.MemorySize as number;

    console.log(
      `=== 40 MB figures ===\nmail ${(bytes / 1e6).toFixed(1)} MB, ${result.attachments} attachments: outcome ${result.outcome} in ${result.ms} ms; peak RSS ${result.peakRssMiB.toFixed(0)} MiB (before the run ${result.beforeRssMiB.toFixed(0)} MiB); inbound function memory ${memoryMiB} MiB`,
    );
    expect(result.outcome).toBe('created');
    expect(result.attachments).toBe(4);
    // Lambda's memory setting must hold the peak with room to spare (the runtime itself needs some).
    expect(result.peakRssMiB).toBeLessThan(memoryMiB * 0.75);
  });
});
