using System.Diagnostics;

namespace GovClone.Tests.Support;

/// <summary>
/// Waiting for a condition instead of sleeping for a time that stands in for it: polls until the condition holds,
/// failing only after a deadline generous enough for a machine whose cores other work keeps busy.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition may take on a loaded machine before a test gives up on it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string failure, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > (deadline ?? Patience))
            {
                Assert.Fail($"{failure} (waited {clock.Elapsed.TotalSeconds:0} s)");
            }

            await Task.Delay(50);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string failure, TimeSpan? deadline = null) =>
        HoldsAsync(() => Task.FromResult(condition()), failure, deadline);
}
