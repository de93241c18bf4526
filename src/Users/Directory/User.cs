namespace Shop.Users.Directory;

/// <summary>A registered user. Name and email are personal data: they never go into logs, spans or metrics.</summary>
public sealed class User
{
    public Guid Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Trimmed and lower-cased; unique.</summary>
    public required string Email { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
