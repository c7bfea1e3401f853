namespace GovClone.Tests.Support;

/// <summary>
/// A fact that needs Linux (/proc, process groups): reported as skipped, with the reason, anywhere else, instead of
/// passing without having run.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux: it reads /proc/PID/stat to prove a process tree is gone";
        }
    }
}
