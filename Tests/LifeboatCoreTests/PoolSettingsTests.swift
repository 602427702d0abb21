import Testing
import LifeboatCore
import LifeboatPostgres

/// DB_POOL_* and DB_CONNECT_TIMEOUT become the pool's settings, with the seed's defaults and
/// SQLAlchemy's -1, and a bad value names its variable.
@Suite struct PoolSettingsTests {
    func settings(_ environment: [String: String]) async throws -> ConnectionPool.Settings {
        try await LifeboatConfiguration.load(environment: environment, environmentFile: nil).poolSettings()
    }

    @Test func defaultsAreTheSeeds() async throws {
        let settings = try await settings([:])
        #expect(
            settings
                == ConnectionPool.Settings(
                    size: 20, maxOverflow: 40, timeout: .seconds(30), recycle: .seconds(3600),
                    connectTimeout: .seconds(10), prePing: true))
        #expect(settings.limit == 60)
    }

    @Test func overridesAreRead() async throws {
        let settings = try await settings([
            "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": " 1 ", "DB_POOL_TIMEOUT": "0.5", "DB_POOL_RECYCLE": "0.2",
            "DB_CONNECT_TIMEOUT": "3", "DB_POOL_PRE_PING": "False"
        ])
        #expect(
            settings
                == ConnectionPool.Settings(
                    size: 2, maxOverflow: 1, timeout: .seconds(0.5), recycle: .seconds(0.2),
                    connectTimeout: .seconds(3), prePing: false))
    }

    @Test func minusOneMeansNoLimitAndNeverRecycle() async throws {
        let settings = try await settings(["DB_MAX_OVERFLOW": "-1", "DB_POOL_RECYCLE": "-1", "DB_POOL_TIMEOUT": "0"])
        #expect(settings.maxOverflow == nil)
        #expect(settings.limit == nil)
        #expect(settings.recycle == nil)
        #expect(settings.timeout == .zero)
    }

    @Test(arguments: [
        ("DB_POOL_SIZE", "0"), ("DB_POOL_SIZE", "twenty"), ("DB_POOL_SIZE", "-1"),
        ("DB_MAX_OVERFLOW", "-2"), ("DB_MAX_OVERFLOW", "1.5"),
        ("DB_POOL_TIMEOUT", "-1"), ("DB_POOL_TIMEOUT", "soon"), ("DB_POOL_TIMEOUT", "1e12"), ("DB_POOL_TIMEOUT", "nan"),
        ("DB_POOL_RECYCLE", "1h"), ("DB_POOL_RECYCLE", "-5"),
        ("DB_CONNECT_TIMEOUT", "2.5"), ("DB_CONNECT_TIMEOUT", "-1"), ("DB_CONNECT_TIMEOUT", "99999999999"),
        ("DB_POOL_PRE_PING", "maybe")
    ])
    func badValuesNameTheVariable(name: String, value: String) async throws {
        let configuration = try await LifeboatConfiguration.load(environment: [name: value], environmentFile: nil)
        let error = #expect(throws: LifeboatError.self) { try configuration.poolSettings() }
        #expect(error?.category == .configuration)
        #expect(error?.message.contains(name) == true)
        #expect(error?.message.contains("'\(value)'") == true)
    }
}
