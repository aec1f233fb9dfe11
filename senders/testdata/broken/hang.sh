#!/bin/sh
# A broken adapter: it says hello, then never answers.
echo '{"hello": {"name": "hang", "version": "0"}}'
echo "hang adapter: thinking forever" >&2
exec sleep 3600
