using GovClone.Configuration;
using GovClone.Lifecycle;
using GovClone.Sql;

namespace GovClone.Tests.Support;

/// <summary>A test that owns one clone name on the shared real server, dropped when the test ends.</summary>
public abstract class CloneTestBase : IAsyncLifetime
{
    protected TestServer Pg { get; private set; } = null!;

    protected string Clone { get; } = TestServer.NewCloneName();

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
        foreach (var sql in CloneLifecycle.DropStatements(Settings))
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
