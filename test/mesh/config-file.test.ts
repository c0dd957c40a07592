import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ConfigFile, MeshService, projectRoot } from '../../lib';
import { render } from './render';
import { tmpDir } from '../helpers';

describe('ConfigFile', () => {
  it('records where the content comes from', () => {
    expect(ConfigFile.fromString('x').source).toBe('inline');
    expect(ConfigFile.fromFile('a/b.yaml', '/base').source).toBe(path.resolve('/base/a/b.yaml'));
  });

  it('projectRoot finds the folder with package.json from sources and from build/', () => {
    const root = path.resolve(__dirname, '../..');
    expect(projectRoot(path.join(root, 'apps', 'shop'))).toBe(root);
    expect(projectRoot(path.join(root, 'build', 'apps', 'shop'))).toBe(root);
  });

  it('projectRoot fails outside a project', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'x'));
    expect(() => projectRoot(path.join(dir, 'x'))).toThrowError('no package.json above directory');
  });
});

describe('binary config files', () => {
  // The first bytes of a PNG: not UTF-8 (0x89) and with control characters.
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe]);

  function configMaps(files: Record<string, ConfigFile>, escape = false) {
    return render((c) => {
      const svc = new MeshService(c, 'cart', { namespace: 'shop', image: 'ghcr.io/acme/cart:1.4.2', files });
      if (escape) expect(svc.configMap).toBeDefined(); // builds the real cdk8s-plus ConfigMap
    }).filter((o) => o.kind === 'ConfigMap');
  }

  it('go to binaryData byte for byte; text stays in data', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'logo.png'), PNG);
    fs.writeFileSync(path.join(dir, 'app.yaml'), 'a: 1\n');
    const [cm] = configMaps({ 'logo.png': ConfigFile.fromFile('logo.png', dir), 'app.yaml': ConfigFile.fromFile('app.yaml', dir), 'raw.bin': ConfigFile.fromBytes(Uint8Array.from([1, 2, 3])) });
    expect(cm.data).toEqual({ 'app.yaml': 'a: 1\n' });
    expect(Buffer.from(cm.binaryData['logo.png'], 'base64').equals(PNG)).toBe(true);
    expect(cm.binaryData['raw.bin']).toBe('AQID');
    expect(JSON.stringify(cm)).not.toContain('\ufffd');
  });

  it('UTF-8 text with tabs, CRLF and non-ASCII letters stays text', () => {
    const [cm] = configMaps({ 'a.txt': ConfigFile.fromBytes(Buffer.from('größe:\t1\r\nname: 北京\n', 'utf8')) });
    expect(cm.data['a.txt']).toBe('größe:\t1\r\nname: 北京\n');
    expect(cm.binaryData).toBeUndefined();
  });

  it('the fast path writes the same ConfigMap as cdk8s-plus', () => {
    const files = { 'logo.png': ConfigFile.fromBytes(PNG), 'app.yaml': ConfigFile.fromString('a: 1\n') };
    expect(configMaps(files)).toEqual(configMaps(files, true));
  });

  it('a binary file changes the checksum that rolls the pods', () => {
    const hash = (bytes: number[]) =>
      render((c) => new MeshService(c, 'cart', { namespace: 'shop', image: 'ghcr.io/acme/cart:1.4.2', files: { 'k.bin': ConfigFile.fromBytes(Uint8Array.from(bytes)) } }))
        .find((o) => o.kind === 'Deployment')!.spec.template.metadata.annotations;
    expect(hash([0, 1, 2])).not.toEqual(hash([0, 1, 3]));
  });

  it('oversize config fails with the size and the limit', () => {
    expect(() => configMaps({ 'big.bin': ConfigFile.fromBytes(Buffer.alloc(1024 * 1024 + 10, 0)) })).toThrowError(
      /ConfigMap\/shop\/cart-config: ConfigMap too large; field: data; value: "1048586 bytes"; expected: at most 1048576 bytes \(1 MiB\)/,
    );
  });
});
