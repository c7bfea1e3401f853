using System.Diagnostics;
using System.Text;

namespace GovClone.Processes;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>How to start a child: argv (never a shell string), extra environment, optional stdin text.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Added to (or, with a null value, removed from) the inherited environment. Secrets travel here, never in argv.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? StandardInput { get; init; }

    /// <summary>
    /// Keep stdin open after <see cref="StandardInput"/> until the child exits: its end then tells the child (the engine's
    /// lifeline) that this process is gone. Closed when the child has exited, or when this process dies.
    /// </summary>
    public bool KeepStandardInputOpen { get; init; }

    /// <summary>Texts (secrets) replaced by <c>***</c> in the captured output and in every line handed to the callbacks.</summary>
    public IReadOnlyList<string> Redact { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Called with each line of stdout as it arrives (progress), besides capturing it.</summary>
    public Action<string>? OnOutputLine { get; init; }

    public Action<string>? OnErrorLine { get; init; }

    /// <summary>
    /// Files written (mode 0600, in a 0700 folder) just before the child starts and deleted when it has exited,
    /// for secrets a tool only reads from a file (an ssh private key for <c>ssh -i</c>). Their content never
    /// reaches argv, the environment or <see cref="Display"/>.
    /// </summary>
    public IReadOnlyList<SecretFile> SecretFiles { get; init; } = [];

    /// <summary>argv for messages: program and arguments, shell-quoted. Environment values are never included.</summary>
    public string Display => ShellQuote.Join([FileName, .. Arguments]);
}

/// <summary>A secret the child reads from a file: <paramref name="Path"/> (inside a folder of its own) and its content.</summary>
public sealed record SecretFile(string Path, Configuration.Secret Content)
{
    /// <summary>A path for a new secret file: a fresh, not yet existing folder under the temp folder, and <paramref name="name"/> in it.</summary>
    public static string NewPath(string name) =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "govclone-" + Guid.NewGuid().ToString("N"), name);

    internal void Write()
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(Path, Encoding.ASCII, options);
        var text = Content.Reveal();
        // OpenSSH refuses a key file whose last line has no newline ("invalid format").
        writer.Write(text.EndsWith('\n') ? text : text + "\n");
    }

    internal void Delete()
    {
        try
        {
            File.Delete(Path);
            Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// Runs child processes with argv lists, secrets in the environment, and cancellation that kills
/// the whole process tree (so a cancelled clone leaves no pg_dump behind).
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var process = new Process { StartInfo = CreateStartInfo(spec) };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { outDone.TrySetResult(); return; }
            var line = Scrub(spec, e.Data);
            lock (stdout) { stdout.Append(line).Append('\n'); }
            spec.OnOutputLine?.Invoke(line);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { errDone.TrySetResult(); return; }
            var line = Scrub(spec, e.Data);
            lock (stderr) { stderr.Append(line).Append('\n'); }
            spec.OnErrorLine?.Invoke(line);
        };

        try
        {
            foreach (var file in spec.SecretFiles)
            {
                file.Write();
            }

            return await RunStartedAsync(process, spec, stdout, stderr, outDone, errDone, cancellationToken);
        }
        finally
        {
            foreach (var file in spec.SecretFiles)
            {
                file.Delete();
            }
        }
    }

    private static async Task<ProcessResult> RunStartedAsync(Process process, ProcessSpec spec, StringBuilder stdout, StringBuilder stderr,
        TaskCompletionSource outDone, TaskCompletionSource errDone, CancellationToken cancellationToken)
    {
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new OperationFailedException(
                $"cannot start '{spec.FileName}': {ex.Message}. Install it or put it on PATH (for PostgreSQL tools: apt-get install postgresql-client, or set govclone:pgBinDir).", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (spec.StandardInput is not null)
            {
                try
                {
                    await process.StandardInput.WriteAsync(spec.StandardInput.AsMemory(), cancellationToken);
                }
                catch (IOException)
                {
                    // The child exited before reading all of stdin; its exit code tells why.
                }
            }

            if (spec.KeepStandardInputOpen)
            {
                try { await process.StandardInput.FlushAsync(cancellationToken); } catch (IOException) { }
            }
            else
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
            }

            await process.WaitForExitAsync(cancellationToken);
            try { process.StandardInput.Close(); } catch (IOException) { }
            await Task.WhenAll(outDone.Task, errDone.Task).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        string o, e2;
        lock (stdout) { o = stdout.ToString(); }
        lock (stderr) { e2 = stderr.ToString(); }
        return new ProcessResult(process.ExitCode, o, e2);
    }

    private static string Scrub(ProcessSpec spec, string line)
    {
        foreach (var secret in spec.Redact)
        {
            if (secret.Length > 0)
            {
                line = line.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return line;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static ProcessStartInfo CreateStartInfo(ProcessSpec spec)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            // No byte order mark: a server-side script's length is counted in UTF-8 bytes (ServerTransport.BashScript).
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        if (spec.WorkingDirectory is not null)
        {
            info.WorkingDirectory = spec.WorkingDirectory;
        }

        foreach (var arg in spec.Arguments)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        return info;
    }
}
