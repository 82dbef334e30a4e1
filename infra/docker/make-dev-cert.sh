#!/bin/sh
# The `tls` one-shot of docker-compose.yml: a private CA and a certificate for nginx, made once into
# the `tls` volume, for trying the stack on one machine. Names: localhost, 127.0.0.1 (a browser on
# the host) and nginx (the simulated agents inside the network). Browsers warn until ca.pem is
# trusted; in production put your own fullchain and key in the volume as server.pem/server.key.
set -eu
cd /tls
if [ -s server.pem ] && [ -s server.key ]; then
  echo "tls: keeping the existing server.pem"
  exit 0
fi
command -v openssl >/dev/null 2>&1 || apk add --no-cache openssl >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
  -keyout ca.key -out ca.pem -subj "/CN=Wirefleet local CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout server.key -out server.csr -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,DNS:nginx,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
  -extfile server.ext -out server.pem
rm -f server.csr server.ext ca.srl
chmod 0644 ca.pem server.pem
chmod 0600 ca.key server.key
echo "tls: made server.pem for localhost, 127.0.0.1 and nginx; trust ca.pem to connect without a warning"
