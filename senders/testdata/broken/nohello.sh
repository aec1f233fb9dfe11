#!/bin/sh
# A broken adapter: it never says hello.
echo "nohello adapter: starting up slowly" >&2
exec sleep 3600
