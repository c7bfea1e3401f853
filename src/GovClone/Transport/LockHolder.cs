namespace GovClone.Transport;

/// <summary>The server session (backend pid) that holds a run lock, and the lock's 64-bit advisory key.</summary>
public sealed record LockHolder(int BackendPid, long Key);
