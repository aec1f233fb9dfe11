#!/bin/sh
# A broken adapter: it says hello, then answers with something that is not
# the protocol.
echo '{"hello": {"name": "garbage", "version": "0"}}'
while read -r line; do
  echo "Sent! (status 201)"
done
