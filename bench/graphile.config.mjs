// PostGraphile 5 on Muster's database, as its users would run it: the
// Amber preset, every column filterable and sortable (by default only
// indexed ones are, and a front end needs `status` and `response`).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] }),
  ],
  grafserv: { host: "127.0.0.1", port: Number(process.env.PORT), graphiql: false },
};
