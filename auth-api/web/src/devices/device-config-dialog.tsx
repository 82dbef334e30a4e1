import { useEffect, useState } from 'preact/hooks';
import { Button, CopyButton, Dialog } from '../ui/components.js';
import { configFileName } from './client-config.js';

/** The device's config, shown once: as text, as a QR code for the WireGuard app, as a file. */
export function DeviceConfigDialog({ name, config, onClose }: { name: string; config: string; onClose: () => void }) {
  const [qr, setQr] = useState<string>();
  const [qrError, setQrError] = useState(false);
  useEffect(() => {
    import('qrcode')
      .then(({ default: QRCode }) => QRCode.toDataURL(config, { errorCorrectionLevel: 'M', margin: 2, width: 280 }))
      .then(setQr, () => setQrError(true));
  }, [config]);
  const download = () => {
    const url = URL.createObjectURL(new Blob([config], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = configFileName(name);
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };
  return (
    <Dialog title={`Client config for ${name}`} onClose={onClose}>
      <p class="notice notice-warn">
        This is the only time the config is shown: its private key was made in this browser and is not stored anywhere. Scan it, copy it or download it now.
      </p>
      <div class="config-layout">
        <figure class="qr">
          {qr ? <img src={qr} alt={`QR code of the WireGuard config for ${name}`} width={280} height={280} data-testid="device-qr" /> : qrError ? <p>The QR code could not be drawn.</p> : <p>Drawing the QR code…</p>}
          <figcaption>Scan with the WireGuard app.</figcaption>
        </figure>
        <pre class="config" data-testid="device-config">{config}</pre>
      </div>
      <div class="dialog-actions">
        <CopyButton text={config} label="Copy config" />
        <Button onClick={download}>Download {configFileName(name)}</Button>
        <Button variant="primary" onClick={onClose}>I have saved it</Button>
      </div>
    </Dialog>
  );
}
