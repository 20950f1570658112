-- A delivery receipt names the message by the gateway's id of one of its parts (meta.ref, one of
-- meta.refs, or of meta.parts.ids while a message in parts is still being sent). Without an index
-- finding it read every outbound message; the ids are gathered by one immutable function and
-- indexed (GIN over the array), and the receipt's lookup asks `sms_gateway_refs(meta) @> ARRAY[id]`.
CREATE FUNCTION sms_gateway_refs(meta jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT v), '{}') FROM (
    SELECT meta->>'ref' AS v
    UNION ALL
    SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(meta->'refs') = 'array' THEN meta->'refs' ELSE '[]'::jsonb END)
    UNION ALL
    SELECT e.value FROM jsonb_each_text(CASE WHEN jsonb_typeof(meta#>'{parts,ids}') = 'object' THEN meta#>'{parts,ids}' ELSE '{}'::jsonb END) AS e
  ) ids WHERE v IS NOT NULL
$$;
CREATE INDEX sms_message_gateway_refs ON sms_message USING gin (sms_gateway_refs(meta)) WHERE direction = 'mt';
