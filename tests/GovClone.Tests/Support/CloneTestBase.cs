using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sql;

namespace GovClone.Tests.Support;

/// <summary>A test that owns one clone name on the shared real server, dropped when the test ends.</summary>
public abstract class CloneTestBase : IAsyncLifetime
{
    private readonly bool _dropFamily;

    /// <summary>A clone name of the test's own, its family dropped when the test ends.</summary>
    protected CloneTestBase()
        : this(TestServer.NewCloneName(), dropFamily: true)
    {
    }

    /// <summary>
    /// <paramref name="clone"/>, shared with the other tests of a class fixture that drops it (<paramref name="dropFamily"/>
    /// false): the test still checks production's fingerprint around itself.
    /// </summary>
    protected CloneTestBase(string clone, bool dropFamily)
    {
        Clone = clone;
        _dropFamily = dropFamily;
    }

    protected TestServer Pg { get; private set; } = null!;

    protected string Clone { get; }

    protected GovCloneSettings Settings { get; private set; } = null!;

    protected CloneLifecycle Lifecycle { get; private set; } = null!;

    protected SourceFingerprint SourceBefore { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Pg = await TestServer.GetAsync();
        Settings = Pg.Settings(Clone);
        Lifecycle = new CloneLifecycle(Settings);
        SourceBefore = await Lifecycle.FingerprintSourceAsync();
    }

    public virtual async Task DisposeAsync()
    {
        // The clone's whole family (template, _next, _old, _spare), as `govclone drop` sends it.
        foreach (var sql in _dropFamily ? CloneLifecycle.DropStatements(Settings) : [])
        {
            await Pg.ExecuteAsync("postgres", sql);
        }

        // Whatever the test did, production must be byte-unchanged afterwards.
        Assert.Equal(SourceBefore, await Lifecycle.FingerprintSourceAsync());
    }

    protected async Task<IReadOnlyList<MetricValue>> MetricsAsync()
    {
        await using var conn = await Pg.OpenAsync(Clone);
        return await GovernanceMetrics.ReadAsync(conn, CancellationToken.None);
    }

    protected static string Evidence(IReadOnlyList<MetricValue> metrics) => ExpectedState.EvidenceLine(metrics);
}
