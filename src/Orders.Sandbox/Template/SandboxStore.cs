using System.Collections.Concurrent;

namespace Orders.Sandbox.Template;

// A stand-in's resources by id (orders, captures, sessions, carts). Each is read and changed only
// under its own lock, so one request's look-up-and-change is atomic while others go on.
internal sealed class SandboxStore<T>(Func<T, Lock> gate)
    where T : class
{
    private readonly ConcurrentDictionary<string, T> items = new(StringComparer.Ordinal);

    public IEnumerable<T> All => items.Values;

    public T? Find(string id) => items.GetValueOrDefault(id);

    public bool Contains(string id) => items.ContainsKey(id);

    public bool TryAdd(string id, T item) => items.TryAdd(id, item);

    // A new id in the provider's shape that no stored resource has.
    public string NewId(Func<string> next)
    {
        string id;
        do
        {
            id = next();
        }
        while (items.ContainsKey(id));
        return id;
    }

    // The action under the resource's lock, or what the provider answers for an unknown id.
    public TResult With<TResult>(string id, Func<T, TResult> action, Func<TResult> missing)
    {
        if (!items.TryGetValue(id, out var item))
        {
            return missing();
        }
        lock (gate(item))
        {
            return action(item);
        }
    }
}
