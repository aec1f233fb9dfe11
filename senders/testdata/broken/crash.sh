#!/bin/sh
# A broken adapter: it says hello, then dies on its first request.
echo '{"hello": {"name": "crash", "version": "0"}}'
read -r line
echo "crash adapter: giving up on $(echo "$line" | cut -c1-20)" >&2
exit 3
