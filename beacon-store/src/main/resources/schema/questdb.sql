-- Beacon's QuestDB schema (raw hits). Idempotent and applied at every start; to migrate, append
-- statements such as ALTER TABLE hits ADD COLUMN IF NOT EXISTS ... .
-- One row per canonical hit (docs/analytics-model.md). Low-cardinality values are SYMBOLs, free
-- text VARCHAR. Columns in line order: io.beacon.store.questdb.RawHitColumn (RawHitSchemaTest holds the two
-- equal). The upsert keys make a re-written batch idempotent: exactly once.
CREATE TABLE IF NOT EXISTS hits (
  ts TIMESTAMP,
  received_at TIMESTAMP,
  property_id SYMBOL CAPACITY 4096 CACHE,
  client_id VARCHAR,
  user_id VARCHAR,
  request_id VARCHAR,
  session_id VARCHAR,
  session_number INT,
  event_name SYMBOL CAPACITY 4096 CACHE,
  params VARCHAR,
  engagement_ms LONG,
  session_engaged BOOLEAN,
  key_event BOOLEAN,
  first_visit BOOLEAN,
  session_start BOOLEAN,
  page_location VARCHAR,
  hostname SYMBOL CAPACITY 4096 CACHE,
  page_path VARCHAR,
  page_title VARCHAR,
  page_referrer VARCHAR,
  source VARCHAR,
  medium SYMBOL CAPACITY 256 CACHE,
  campaign VARCHAR,
  term VARCHAR,
  content VARCHAR,
  device_category SYMBOL CAPACITY 16 CACHE,
  browser SYMBOL CAPACITY 1024 CACHE,
  browser_version VARCHAR,
  os SYMBOL CAPACITY 256 CACHE,
  os_version VARCHAR,
  screen_resolution SYMBOL CAPACITY 4096 CACHE,
  language SYMBOL CAPACITY 1024 CACHE,
  country SYMBOL CAPACITY 512 CACHE,
  region VARCHAR,
  city VARCHAR,
  is_bot BOOLEAN,
  protocol SYMBOL CAPACITY 16 CACHE,
  schema_version INT
) TIMESTAMP(ts) PARTITION BY DAY WAL
DEDUP UPSERT KEYS(ts, property_id, client_id, request_id);

-- One definition of a duplicate (io.beacon.model.DedupKey): the same request of the same client of the same
-- property, at the same ts (a retry is produced with its first attempt's times). Tables created before it had
-- (ts, request_id); this moves them to the full key (a no-op when it is already set).
ALTER TABLE hits DEDUP ENABLE UPSERT KEYS(ts, property_id, client_id, request_id);

-- UA's ni=1 (io.beacon.model.Hit#nonInteraction): a non-interaction hit. Rows written before have none (read as
-- false: an interaction, as they were counted).
ALTER TABLE hits ADD COLUMN IF NOT EXISTS non_interaction BOOLEAN;

-- MP's device.model / device.brand (io.beacon.model.Hit#deviceModel, #deviceBrand): the sender's names, free text of
-- any cardinality (VARCHAR, not SYMBOL). Rows written before have none: "(not set)" in reports.
ALTER TABLE hits ADD COLUMN IF NOT EXISTS device_model VARCHAR;
ALTER TABLE hits ADD COLUMN IF NOT EXISTS device_brand VARCHAR;

-- The stream a hit came through (io.beacon.model.Hit#streamId): the measurement id or Firebase app id the sender
-- named; few per property (SYMBOL). Rows written before have none: streamId "(not set)", platform "web".
ALTER TABLE hits ADD COLUMN IF NOT EXISTS stream_id SYMBOL;
