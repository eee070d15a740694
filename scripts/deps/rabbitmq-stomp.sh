#!/usr/bin/env bash
# Makes sure RabbitMQ's STOMP plugin answers on 127.0.0.1:61613 for the notifier's
# STOMP delivery tests (AMQP itself, 127.0.0.1:5672 guest/guest, is started by the
# machine; it is started here too if it is down). Idempotent. Debian 12.
set -euo pipefail

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi

if ! command -v rabbitmq-plugins >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
fi

listening() {
  (exec 3<>/dev/tcp/127.0.0.1/61613) 2>/dev/null
}

if ! listening; then
  # The plugin can only be enabled on a running node; start one if none answers.
  if ! "${as_root[@]}" rabbitmqctl -q status >/dev/null 2>&1; then
    "${as_root[@]}" rabbitmq-server -detached
    for _ in $(seq 60); do
      "${as_root[@]}" rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  "${as_root[@]}" rabbitmq-plugins -q enable rabbitmq_stomp >/dev/null
fi

# Clair's STOMP client (and so Scry's) sends the broker's host part as the CONNECT `host`
# header, which RabbitMQ takes as the virtual host: give the tests one named 127.0.0.1.
if ! "${as_root[@]}" rabbitmqctl -q list_vhosts name | grep -qx '127.0.0.1'; then
  "${as_root[@]}" rabbitmqctl -q add_vhost 127.0.0.1 >/dev/null
fi
"${as_root[@]}" rabbitmqctl -q set_permissions -p 127.0.0.1 guest '.*' '.*' '.*' >/dev/null

# The listener starts shortly after the plugin; wait at most 60 s for it.
for _ in $(seq 120); do
  listening && exit 0
  sleep 0.5
done
echo "rabbitmq-stomp: nothing accepts connections on 127.0.0.1:61613 after 60 s" >&2
echo "  (check 'rabbitmq-plugins list rabbitmq_stomp' and the RabbitMQ log)" >&2
exit 1
