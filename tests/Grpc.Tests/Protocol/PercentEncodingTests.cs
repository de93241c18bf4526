namespace Shop.Grpc.Tests.Protocol;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("User 42 not found", "User 42 not found")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak\ttab", "line%0Abreak%09tab")]
    [InlineData("Zahlung für Bestellung ✓", "Zahlung f%C3%BCr Bestellung %E2%9C%93")]
    [InlineData("emoji 🙂", "emoji %F0%9F%99%82")]
    public void Encodes_UTF8_bytes_outside_printable_ASCII_and_the_percent_sign(string text, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(text));
        Assert.Equal(text, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void Decodes_lowercase_hex() => Assert.Equal("é", PercentEncoding.Decode("%c3%a9"));

    [Theory]
    [InlineData("50%")]
    [InlineData("%zz and %4")]
    [InlineData("%%41")]
    public void Leaves_broken_sequences_as_they_are(string value) =>
        Assert.Equal(value.Replace("%41", "A", StringComparison.Ordinal), PercentEncoding.Decode(value));

    [Fact]
    public void Replaces_invalid_UTF8_instead_of_failing() => Assert.Equal("a\uFFFDb", PercentEncoding.Decode("a%FFb"));
}
