#!/bin/sh
# A broken adapter: its answers carry an outcome the protocol does not know.
echo '{"hello": {"name": "badoutcome", "version": "0"}}'
while read -r line; do
  id=$(echo "$line" | sed 's/^{"id":"\([^"]*\)".*/\1/')
  echo "{\"id\": \"$id\", \"status\": 201, \"outcome\": \"probably\"}"
done
