package io.paxosql.paxos;

import java.util.Arrays;

/** One item inside an instance value: a client proposal or a membership change. */
public sealed interface Entry {

    /** Bytes a caller proposed, tagged with the caller's id so it can find them again once chosen. */
    record Data(long proposalId, byte[] bytes) implements Entry {
        public Data {
            if (bytes == null) {
                throw new IllegalArgumentException("proposal " + proposalId + " has null bytes; pass an empty array instead");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.proposalId == proposalId && Arrays.equals(d.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(proposalId) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Data[" + proposalId + ", " + bytes.length + "B]";
        }
    }

    /** Adds one member; see {@link Membership} for the instance at which it takes effect. */
    record AddMember(long proposalId, int node) implements Entry { }

    /** Removes one member; see {@link Membership} for the instance at which it takes effect. */
    record RemoveMember(long proposalId, int node) implements Entry { }

    long proposalId();

    /** Bytes this entry counts against the batch size cap. */
    default int size() {
        return this instanceof Data d ? d.bytes.length + 16 : 16;
    }
}
