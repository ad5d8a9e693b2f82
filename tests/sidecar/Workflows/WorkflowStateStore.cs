using System.Globalization;
using Google.Protobuf;
using TestSidecar.State;

namespace TestSidecar.Workflows;

/// <summary>
/// Workflow state in the actor state store, in daprd's layout and with its reads and writes
/// (dapr/dapr v1.18.3 pkg/runtime/wfengine/state/state.go, load.go; pkg/actors/state/state.go;
/// pkg/actors/internal/key/key.go; components-contrib v1.18.4 state/redis Multi):
/// <list type="bullet">
/// <item>keys <c>{appId}||dapr.internal.{namespace}.{appId}.workflow||{instanceId}||{row}</c>, the
/// component's keyPrefix not applied; rows <c>metadata</c> (BackendWorkflowStateMetadata),
/// <c>inbox-NNNNNN</c> and <c>history-NNNNNN</c> (one HistoryEvent each, index from 0, at least six
/// digits) and <c>customStatus</c> (google.protobuf.StringValue), all binary protobuf in
/// state.redis' hash;</item>
/// <item>a load reads the metadata row, then every row it counts (daprd's bulk get of single gets);</item>
/// <item>a save is one transaction: new inbox rows, inbox rows no longer there deleted, new history
/// rows, history rows no longer there deleted, customStatus when the history changed, and the
/// metadata row last, guarded by the etag it was read with; then the metadata is read again for its
/// new etag.</item>
/// </list>
/// </summary>
internal sealed class WorkflowStateStore(RedisStateStore? actorStateStore, string appId, string @namespace)
{
    // pkg/actors/state/state.go errStateStoreNotConfigured: every workflow call fails without an actor state store.
    private const string NotConfigured = "actors: state store does not exist or incorrectly configured. Have you set the property '{\"name\": \"actorStateStore\", \"value\": \"true\"}' in your state store component file?";

    public const string MetadataRow = "metadata";
    public const string CustomStatusRow = "customStatus";

    // security.CurrentNamespace: NAMESPACE, "default" when unset.
    public string ActorType { get; } = $"dapr.internal.{(@namespace.Length == 0 ? "default" : @namespace)}.{appId}.workflow";

    public string Key(string instanceId, string row) => $"{appId}||{ActorType}||{instanceId}||{row}";

    private RedisStateStore Store => actorStateStore ?? throw new StateStoreException(NotConfigured);

    // getMultiEntryKeyName: fmt "%s-%06d".
    public static string Row(string prefix, int index) => prefix + "-" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The instance's state, or null when it has none. Store errors surface as <see cref="StateStoreException"/> with daprd's wording.</summary>
    public async Task<WorkflowState?> LoadAsync(string instanceId)
    {
        StateGetResult metadata;
        try
        {
            metadata = await Store.GetAsync(Key(instanceId, MetadataRow));
        }
        catch (StateStoreException ex)
        {
            throw new StateStoreException("failed to load workflow metadata: " + ex.Message);
        }
        if (metadata.Data is not { Length: > 0 } || metadata.ETag is null)
        {
            return null;
        }
        var (inboxLength, historyLength, generation) = DecodeMetadata(metadata.Data);
        var state = new WorkflowState { Generation = generation, MetadataETag = metadata.ETag, SavedInbox = inboxLength, SavedHistory = historyLength };

        var keys = new List<string>(inboxLength + historyLength + 1) { Key(instanceId, CustomStatusRow) };
        keys.AddRange(Enumerable.Range(0, inboxLength).Select(i => Key(instanceId, Row("inbox", i))));
        keys.AddRange(Enumerable.Range(0, historyLength).Select(i => Key(instanceId, Row("history", i))));
        var rows = new StateGetResult[keys.Count];
        await Task.WhenAll(keys.Select(async (key, i) =>
        {
            try
            {
                rows[i] = await Store.GetAsync(key);
            }
            catch (StateStoreException ex)
            {
                throw new StateStoreException($"failed to load workflow state: failed to retrieve key '{key}': {ex.Message}");
            }
        }));

        if (rows[0].ETag is not null)
        {
            state.CustomStatusSaved = true;
            var status = Google.Protobuf.WellKnownTypes.StringValue.Parser.ParseFrom(rows[0].Data ?? []).Value;
            state.CustomStatus = status.Length == 0 ? null : status;
        }
        for (var i = 1; i < rows.Length; i++)
        {
            if (rows[i].Data is not { } data || rows[i].ETag is null)
            {
                throw new StateStoreException($"workflow '{instanceId}': history key '{keys[i]}' declared in metadata (historyLength={historyLength}) but missing from state store (transient store read failure or partial save?)");
            }
            (i <= inboxLength ? state.Inbox : state.History).Add(HistoryCodec.Decode(data));
        }
        return state;
    }

    /// <summary>
    /// Saves <paramref name="state"/> as it is now: rows beyond what the store holds are written,
    /// rows the state no longer has are deleted. <paramref name="historyRewritten"/> (a reset or a
    /// continue-as-new) writes every history row again.
    /// </summary>
    public async Task SaveAsync(string instanceId, WorkflowState state, bool historyRewritten = false)
    {
        var operations = new List<StateOperation>();
        // The inbox only grows by appends and is emptied by a turn: rows from what is saved on are new.
        var inboxFrom = state.Inbox.Count >= state.SavedInbox ? state.SavedInbox : 0;
        for (var i = inboxFrom; i < state.Inbox.Count; i++)
        {
            operations.Add(new StateOperation(Key(instanceId, Row("inbox", i)), HistoryCodec.Encode(state.Inbox[i])));
        }
        for (var i = state.Inbox.Count; i < state.SavedInbox; i++)
        {
            operations.Add(new StateOperation(Key(instanceId, Row("inbox", i)), null));
        }
        var historyFrom = historyRewritten ? 0 : state.SavedHistory;
        for (var i = historyFrom; i < state.History.Count; i++)
        {
            operations.Add(new StateOperation(Key(instanceId, Row("history", i)), HistoryCodec.Encode(state.History[i])));
        }
        for (var i = state.History.Count; i < state.SavedHistory; i++)
        {
            operations.Add(new StateOperation(Key(instanceId, Row("history", i)), null));
        }
        var historyChanged = historyRewritten || state.History.Count != state.SavedHistory;
        if (historyChanged)
        {
            operations.Add(new StateOperation(Key(instanceId, CustomStatusRow), new Google.Protobuf.WellKnownTypes.StringValue { Value = state.CustomStatus ?? "" }.ToByteArray()));
        }
        operations.Add(new StateOperation(Key(instanceId, MetadataRow), EncodeMetadata(state.Inbox.Count, state.History.Count, state.Generation), state.MetadataETag));

        await Store.TransactAsync(operations);
        state.SavedInbox = state.Inbox.Count;
        state.SavedHistory = state.History.Count;
        state.CustomStatusSaved |= historyChanged;
        // daprd reads the metadata back for the etag of its next save; a failed read drops its cache.
        state.MetadataETag = (await Store.GetAsync(Key(instanceId, MetadataRow))).ETag
            ?? throw new StateStoreException($"workflow '{instanceId}': metadata not found after save");
    }

    /// <summary>GetPurgeRequest: every row the loaded metadata counts, customStatus when saved, the metadata last; one transaction.</summary>
    public Task PurgeAsync(string instanceId, WorkflowState state)
    {
        var operations = new List<StateOperation>();
        operations.AddRange(Enumerable.Range(0, state.SavedInbox).Select(i => new StateOperation(Key(instanceId, Row("inbox", i)), null)));
        operations.AddRange(Enumerable.Range(0, state.SavedHistory).Select(i => new StateOperation(Key(instanceId, Row("history", i)), null)));
        if (state.CustomStatusSaved)
        {
            operations.Add(new StateOperation(Key(instanceId, CustomStatusRow), null));
        }
        operations.Add(new StateOperation(Key(instanceId, MetadataRow), null));
        return Store.TransactAsync(operations);
    }

    /// <summary>The ids of every instance this app has state for (the stand-in for the Scheduler's jobs at start; see <see cref="DurableOrchestrationService"/>).</summary>
    public async Task<IReadOnlyList<string>> InstanceIdsAsync()
    {
        var prefix = $"{appId}||{ActorType}||";
        var pattern = EscapeGlob(prefix) + "*||" + MetadataRow;
        var ids = new List<string>();
        foreach (var key in await Store.ScanAsync(pattern))
        {
            ids.Add(key[prefix.Length..^(MetadataRow.Length + 2)]);
        }
        return ids;
    }

    private static string EscapeGlob(string text) =>
        string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));

    // BackendWorkflowStateMetadata: 1 inboxLength, 2 historyLength, 3 generation (uint64 varints).
    private static byte[] EncodeMetadata(int inbox, int history, ulong generation)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        if (inbox != 0)
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteUInt64((ulong)inbox);
        }
        if (history != 0)
        {
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteUInt64((ulong)history);
        }
        if (generation != 0)
        {
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteUInt64(generation);
        }
        output.Flush();
        return buffer.ToArray();
    }

    public static (int Inbox, int History, ulong Generation) DecodeMetadata(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        ulong inbox = 0, history = 0, generation = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    inbox = input.ReadUInt64();
                    break;
                case 2:
                    history = input.ReadUInt64();
                    break;
                case 3:
                    generation = input.ReadUInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        // load.go: any count above maxStateEntries is refused.
        const ulong MaxStateEntries = 1_000_000;
        if (inbox > MaxStateEntries || history > MaxStateEntries)
        {
            throw new StateStoreException($"workflow metadata counts exceed {MaxStateEntries}: inbox {inbox}, history {history}");
        }
        return ((int)inbox, (int)history, generation);
    }
}
