using GovClone.Configuration;
using GovClone.Sql;
using GovClone.Transport;
using Npgsql;

namespace GovClone.Lifecycle;

/// <summary>The regression suite on the clone through Npgsql: the metrics of <c>sql/metrics.sql</c>, read in a read-only snapshot, against a profile.</summary>
internal sealed class CloneSuite(GovCloneSettings settings, Connections connections)
{
    /// <summary>The suite on the clone, which the caller has found complete.</summary>
    public async Task<VerifyResult> VerifyCompleteCloneAsync(SeedProfile? profile, CancellationToken ct)
    {
        var p = profile ?? settings.SeedProfile;
        await using var clone = await connections.OpenCloneAsync(ct);
        var metrics = await ReadMetricsReadOnlyAsync(clone, ct);
        return new VerifyResult(p, ExpectedState.Compare(ExpectedState.For(p), metrics))
        {
            Masking = await Masking.MaskingProof.ReadAsync(connections, settings, clone, ct),
        };
    }

    /// <summary>The metrics in one read-only REPEATABLE READ transaction.</summary>
    public static async Task<IReadOnlyList<MetricValue>> ReadMetricsReadOnlyAsync(NpgsqlConnection clone, CancellationToken ct)
    {
        await using var tx = await clone.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", clone, tx))
        {
            await ro.ExecuteNonQueryAsync(ct);
        }

        var metrics = await GovernanceMetrics.ReadAsync(clone, ct);
        await tx.CommitAsync(ct);
        return metrics;
    }
}
