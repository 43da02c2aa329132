using Orders.Tests.Infrastructure;

[assembly: DatabaseUnderTest(TestDatabaseKind.SqlServer)]
