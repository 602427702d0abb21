import Foundation
import LifeboatPostgres

/// `--large-objects`: the backup's large objects put back into the live database inside the
/// table restore's transaction, each under its own OID (the rows that point at it hold that
/// number), with its owner, grants and comment. One that exists live is replaced by the
/// backup's bytes; one made after the backup stays, as rows written after it do in a table
/// restore. Bytes move in 1 MiB pieces, so an object of any size is never held whole.
enum LargeObjectCopier {
    struct Outcome: Sendable, Equatable {
        /// Objects the live database lacked (unlinked since the backup).
        var restored = 0
        /// Objects it had, now holding the backup's bytes.
        var replaced = 0
        var total: Int { restored + replaced }
    }

    static let piece = 1 << 20

    /// Copies every large object of `source` into `live`, which must be in a transaction.
    static func copy(from source: Connection, to live: Connection) throws -> Outcome {
        var outcome = Outcome()
        let objects = try source.query(
            """
            SELECT oid, pg_get_userbyid(lomowner), obj_description(oid, 'pg_largeobject') FROM pg_largeobject_metadata ORDER BY oid
            """
        ).rows
        for row in objects {
            guard let oid = row[0], !oid.isEmpty, oid.allSatisfy(\.isASCII), UInt32(oid) != nil else { continue }
            if try live.query("SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1::oid", [oid]).rows.isEmpty {
                outcome.restored += 1
            } else {
                try live.query("SELECT lo_unlink($1::oid)", [oid])
                outcome.replaced += 1
            }
            try live.query("SELECT lo_create($1::oid)", [oid])
            var offset: Int64 = 0
            while true {
                guard
                    let bytes = try source.query(
                        "SELECT lo_get($1::oid, $2::bigint, $3::int)", [oid, String(offset), String(piece)]
                    ).scalar,
                    bytes.count > 2  // "\x" alone: the end
                else { break }
                try live.query("SELECT lo_put($1::oid, $2::bigint, $3::bytea)", [oid, String(offset), bytes])
                offset += Int64((bytes.count - 2) / 2)
            }
            if let owner = row[1] {
                try live.query("ALTER LARGE OBJECT \(oid) OWNER TO \(Connection.quoteIdentifier(owner))")
            }
            let grants = try source.query(
                """
                SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type, a.is_grantable
                FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a WHERE m.oid = $1::oid AND a.grantee <> m.lomowner
                """, [oid]
            ).rows
            for grant in grants {
                guard let grantee = grant[0], let privilege = grant[1], ["SELECT", "UPDATE"].contains(privilege) else {
                    continue
                }
                try live.query(
                    "GRANT \(privilege) ON LARGE OBJECT \(oid) TO \(grantee)\(grant[2] == "t" ? " WITH GRANT OPTION" : "")"
                )
            }
            if let comment = row[2] {
                try live.query("COMMENT ON LARGE OBJECT \(oid) IS \(Connection.quoteLiteral(comment))")
            }
        }
        return outcome
    }
}
