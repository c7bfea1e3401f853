using System.Text;

namespace GovClone.Tests.Support;

/// <summary>
/// Samples <c>/proc/*/cmdline</c> of every process on the machine in a tight loop while an operation runs
/// and records any argv that contains one of the secrets. Also records which programs it saw, so a test
/// can prove the sampler was looking while pg_dump, psql, bash, docker or ssh were alive.
/// Shared by the test suite and the fault runner (linked source).
/// </summary>
public sealed class ArgvWatch : IAsyncDisposable
{
    private readonly string[] _secrets;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly HashSet<string> _programsSeen = new(StringComparer.Ordinal);
    private readonly List<string> _leaks = [];

    public ArgvWatch(params string[] secrets)
    {
        _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).ToArray();
        _loop = Task.Run(LoopAsync);
    }

    public int Samples { get; private set; }

    /// <summary>Basenames of argv[0] seen while watching.</summary>
    public IReadOnlyCollection<string> ProgramsSeen
    {
        get { lock (_gate) { return _programsSeen.ToArray(); } }
    }

    /// <summary>"pid: argv" (with the secret masked) for every process whose argv held a secret.</summary>
    public IReadOnlyList<string> Leaks
    {
        get { lock (_gate) { return _leaks.ToArray(); } }
    }

    private async Task LoopAsync()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (!_stop.IsCancellationRequested)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var pid = Path.GetFileName(dir);
                if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]) || pid == self)
                {
                    continue;
                }

                byte[] raw;
                try
                {
                    raw = await File.ReadAllBytesAsync(Path.Combine(dir, "cmdline"));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue; // the process ended between listing and reading
                }

                if (raw.Length == 0)
                {
                    continue;
                }

                var argv = Encoding.UTF8.GetString(raw).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var text = string.Join(' ', argv);
                lock (_gate)
                {
                    _programsSeen.Add(Path.GetFileName(argv[0]));
                    foreach (var secret in _secrets)
                    {
                        if (text.Contains(secret, StringComparison.Ordinal))
                        {
                            _leaks.Add($"{pid}: {text.Replace(secret, "***", StringComparison.Ordinal)}");
                        }
                    }
                }
            }

            Samples++;
            await Task.Delay(2);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
