namespace GovClone.Configuration;

/// <summary>
/// A secret value (database password). It never renders: <see cref="ToString"/>, records and
/// string interpolation all show a placeholder, so a secret cannot reach a log by accident.
/// The only way out is <see cref="Reveal"/>, used where the value goes into a child's environment
/// or an Npgsql connection.
/// </summary>
public sealed class Secret : IEquatable<Secret>
{
    private readonly string _value;

    public Secret(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _value = value;
    }

    public string Reveal() => _value;

    public override string ToString() => "[secret]";

    public bool Equals(Secret? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Secret);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);
}
