#!/usr/bin/env bash
# The isolated-capacity bench's stand-in for one number's binary: `child.sh rest`, started and supervised by the
# gateway like the real binary (same environment, same readiness line, SIGTERM = clean exit 0). All the work is
# done by the bench's responder hub (bench/responder/hub.ts), which opens APP_PORT for as long as this process
# keeps its control connection: killed or stopped, the connection closes and so does the port.
set -u
if [ "${1:-}" != rest ]; then
  echo "usage: $0 rest" >&2
  exit 1
fi
for key in SIM_CAPACITY_HUB APP_PORT APP_BASIC_AUTH WHATSAPP_WEBHOOK WHATSAPP_WEBHOOK_SECRET; do
  if [ -z "${!key:-}" ]; then
    echo "Error: $key is not set" >&2
    exit 1
  fi
done
if ! exec 3<>"/dev/tcp/127.0.0.1/${SIM_CAPACITY_HUB}"; then
  echo "Error: cannot reach the responder hub on port ${SIM_CAPACITY_HUB}" >&2
  exit 1
fi
printf 'open %s %s %s %s %s\n' "$APP_PORT" "$APP_BASIC_AUTH" "$WHATSAPP_WEBHOOK" "$WHATSAPP_WEBHOOK_SECRET" "$$" >&3
answer=''
read -r answer <&3
if [ "$answer" != ok ]; then
  echo "Failed to start: ${answer:-the hub closed the connection}" >&2
  exit 1
fi
# The binary's ready line (contract: match the substring "Server started on").
printf 'INFO Server started on: \thttp://127.0.0.1:%s\n' "$APP_PORT"
trap 'exit 0' TERM INT
# Returns when the hub goes away (a crash, as far as the gateway can tell); a trapped signal interrupts it.
read -r _ <&3
echo "Error: the responder hub went away" >&2
exit 1
