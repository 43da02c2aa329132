using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// Staff passwords: at least 12 characters, not one character repeated, not containing the username,
// not on the shipped list of common passwords (SecLists' 10k most common), compared without case.
public sealed class StaffPasswordPolicyTests : IAsyncLifetime
{
    private readonly OrdersApp app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Theory]
    [InlineData("aaaaaaaaaaaa", "one character repeated")]
    [InlineData("------------------", "one character repeated")]
    [InlineData("my name is ALICE ok", "contain the username")]
    [InlineData("unbelievable", "common passwords")]
    [InlineData("UnBelievable", "common passwords")]
    [InlineData("short", "at least 12 characters")]
    public async Task WeakPasswordsAreRefusedWhenAddingAnAccountOrResettingItsPassword(string password, string reason)
    {
        var accounts = app.Service<StaffAccounts>();

        var added = await Assert.ThrowsAsync<ArgumentException>(() => accounts.AddAsync("alice", StaffRoles.Admin, password, "test", CancellationToken.None));
        Assert.Contains(reason, added.Message, StringComparison.Ordinal);
        Assert.Null(await accounts.FindAsync("alice", CancellationToken.None));

        Assert.Equal(StaffChange.Done, await accounts.AddAsync("alice", StaffRoles.Admin, SupportSession.AdminPassword, "test", CancellationToken.None));
        var reset = await Assert.ThrowsAsync<ArgumentException>(() => accounts.ResetPasswordAsync("alice", password, "test", CancellationToken.None));
        Assert.Contains(reason, reset.Message, StringComparison.Ordinal);
        using var session = await SupportSession.SignedInAsync(app, "alice", SupportSession.AdminPassword);
    }

    [Fact]
    public void TheShippedListIsTheWholeListAndAGoodPasswordPasses()
    {
        Assert.True(CommonPasswords.Count > 9_900, $"only {CommonPasswords.Count} common passwords loaded");
        Assert.True(CommonPasswords.Contains("PASSWORD"));
        Assert.Null(StaffAccounts.PasswordProblem("correct horse battery staple", "alice"));
    }
}
